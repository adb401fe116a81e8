/**
 * The slice of libflacjs (libFLAC 1.4 compiled by emscripten) that the FLAC reader and writer use,
 * loaded lazily. We use the asm.js build (`dist/libflac.js`): it initialises synchronously from
 * the package folder, whereas the wasm build's loader fetch()es its .wasm under Node 20 and cannot
 * be pointed at the file on disk without patching the package.
 */
import { createRequire } from 'node:module';

/** Frame header as libflacjs's write callback reports it. */
export interface FlacFrameInfo {
  blocksize: number;
  channels: number;
  bitsPerSample: number;
}

export interface FlacReadResult {
  buffer: Uint8Array;
  readDataLength: number;
  error: boolean;
}

interface EmscriptenModule {
  HEAP32: Int32Array;
  getValue(ptr: number, type: string): number;
}

export interface LibFlac {
  _module: EmscriptenModule;
  isReady(): boolean;
  onready: ((e: unknown) => void) | undefined;
  create_libflac_encoder(
    rate: number,
    channels: number,
    bps: number,
    level: number,
    total: number,
    verify: boolean,
    blockSize: number,
  ): number;
  init_encoder_stream(
    enc: number,
    write: (data: Uint8Array, bytes: number) => void,
    meta: () => void,
  ): number;
  FLAC__stream_encoder_process_interleaved(enc: number, buffer: Int32Array, n: number): boolean;
  FLAC__stream_encoder_finish(enc: number): boolean;
  FLAC__stream_encoder_delete(enc: number): void;
  create_libflac_decoder(md5Check: boolean): number;
  init_decoder_stream(
    dec: number,
    read: (bytes: number) => FlacReadResult,
    /** Returning false aborts decoding. */
    write: (data: Uint8Array[], frame: FlacFrameInfo) => boolean,
    error: (code: number, description: string) => void,
  ): number;
  FLAC__stream_decoder_process_until_end_of_stream(dec: number): number;
  FLAC__stream_decoder_get_state(dec: number): number;
  FLAC__stream_decoder_finish(dec: number): number;
  FLAC__stream_decoder_delete(dec: number): void;
}

let libFlac: Promise<LibFlac> | null = null;

export function loadLibFlac(): Promise<LibFlac> {
  libFlac ??= new Promise<LibFlac>((resolve) => {
    // libflacjs is CommonJS; the asm.js build runs synchronously once initialised.
    const flac = createRequire(import.meta.url)('libflacjs/dist/libflac.js') as LibFlac;
    if (flac.isReady()) resolve(flac);
    else flac.onready = () => resolve(flac);
  });
  return libFlac;
}

/**
 * Runs `body` while remembering the last 32-bit value libflacjs reads from its heap.
 *
 * Why: libflacjs's decoder write callback does not hand over libFLAC's int32 sample buffers; it
 * copies them byte-wise through a heuristic (its "FIXME HACK" __fix_write_buffer, which drops runs
 * of 0x00/0xFF bytes to squeeze int32 into int16) that is not exact by construction. The glue reads
 * the channel pointers with `Module.getValue(buffer + 4·ch, 'i32')` right before calling our
 * callback, so for mono the last value read *is* libFLAC's channel-0 buffer, and the callback can
 * copy the exact int32 samples from HEAP32. The reader checks the result (every value in int16
 * range, count against STREAMINFO, MD5 when the file has one), and the tests pin it on edge-case
 * lengths and values.
 */
export function withLastHeapRead<T>(flac: LibFlac, body: (last: () => number) => T): T {
  const module = flac._module;
  const getValue = module.getValue;
  let last = 0;
  module.getValue = (ptr, type) => {
    const v = getValue.call(module, ptr, type);
    if (type === 'i32') last = v;
    return v;
  };
  try {
    return body(() => last);
  } finally {
    module.getValue = getValue;
  }
}
