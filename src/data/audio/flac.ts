/**
 * FLAC in and out. Decoding uses @wasm-audio-decoders/flac; encoding (only the generator and the
 * fixture recipe need it) uses libflacjs's synchronous asm.js build. Both are imported lazily so
 * that loading this module costs nothing until a FLAC file is touched.
 */
import { createRequire } from 'node:module';
import { DataError } from '../../errors.js';
import type { PcmInfo } from './wav.js';

/**
 * Reads STREAMINFO, the mandatory first metadata block, without decoding: sample rate, channels,
 * bit depth and the total sample count (0 when the encoder did not know it).
 */
export function readFlacInfo(file: string, bytes: Uint8Array): PcmInfo {
  const isFlac =
    bytes.length >= 4 &&
    bytes[0] === 0x66 &&
    bytes[1] === 0x4c &&
    bytes[2] === 0x61 &&
    bytes[3] === 0x43;
  if (!isFlac) throw new DataError(file, 'not a FLAC file: expected "fLaC" at the start');
  // Block header: 1 byte (last flag + type 0 = STREAMINFO), 3 bytes length (34); then the body.
  if (bytes.length < 8 + 34 || (bytes[4]! & 0x7f) !== 0) {
    throw new DataError(file, 'FLAC file without a STREAMINFO block');
  }
  const b = bytes.subarray(8, 8 + 34);
  // Bytes 10..17 of STREAMINFO: 20 bits rate, 3 bits channels−1, 5 bits bps−1, 36 bits total.
  const sampleRate = (b[10]! << 12) | (b[11]! << 4) | (b[12]! >> 4);
  const channels = ((b[12]! >> 1) & 0x7) + 1;
  const bitsPerSample = (((b[12]! & 1) << 4) | (b[13]! >> 4)) + 1;
  const frames =
    (b[13]! & 0xf) * 2 ** 32 + ((b[14]! << 24) >>> 0) + (b[15]! << 16) + (b[16]! << 8) + b[17]!;
  return { sampleRate, channels, bitsPerSample, frames };
}

interface FlacDecoderLike {
  ready: Promise<void>;
  reset(): Promise<void>;
  free(): void;
  decodeFile(data: Uint8Array): Promise<{
    channelData: Float32Array[];
    samplesDecoded: number;
    sampleRate: number;
    errors: unknown[];
  }>;
}

/**
 * One reusable decoder. Calls are serialised, because the wasm decoder holds per-stream state and
 * must be reset between files.
 */
export class FlacReader {
  private decoder: Promise<FlacDecoderLike> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /** Decodes a 16-bit mono FLAC into int16 samples; checks the result against STREAMINFO. */
  decode(file: string, bytes: Uint8Array): Promise<Int16Array> {
    const run = this.queue.then(() => this.decodeNow(file, bytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async decodeNow(file: string, bytes: Uint8Array): Promise<Int16Array> {
    const info = readFlacInfo(file, bytes);
    if (info.bitsPerSample !== 16)
      throw new DataError(file, `FLAC with ${info.bitsPerSample}-bit samples: expected 16-bit`);
    this.decoder ??= import('@wasm-audio-decoders/flac').then(async (m) => {
      const d = new m.FLACDecoder() as unknown as FlacDecoderLike;
      await d.ready;
      return d;
    });
    const decoder = await this.decoder;
    await decoder.reset();
    const out = await decoder.decodeFile(bytes);
    const channel = out.channelData[0];
    // The decoder reports broken frames by dropping them (and sometimes an `errors` entry), so a
    // short result is the reliable sign of a corrupt file.
    if (out.errors.length > 0 || !channel || out.samplesDecoded === 0) {
      throw new DataError(
        file,
        `FLAC decode failed (${out.errors.length} frame errors, ${out.samplesDecoded} samples decoded)`,
      );
    }
    if (info.frames > 0 && out.samplesDecoded !== info.frames) {
      throw new DataError(
        file,
        `FLAC decode gave ${out.samplesDecoded} samples, STREAMINFO says ${info.frames}: corrupt file`,
      );
    }
    // The decoder's floats are int16 / 32767; Math.round(x * 32767) restores every sample exactly.
    const samples = new Int16Array(out.samplesDecoded);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(channel[i]! * 32767);
    return samples;
  }

  dispose(): void {
    void this.decoder?.then((d) => d.free());
    this.decoder = null;
  }
}

interface LibFlac {
  isReady(): boolean;
  onready: ((e: unknown) => void) | undefined;
  create_libflac_encoder(
    rate: number,
    channels: number,
    bps: number,
    level: number,
    total: number,
    verify: boolean,
  ): number;
  init_encoder_stream(
    enc: number,
    write: (data: Uint8Array, bytes: number) => void,
    meta: () => void,
  ): number;
  FLAC__stream_encoder_process_interleaved(enc: number, buffer: Int32Array, n: number): boolean;
  FLAC__stream_encoder_finish(enc: number): boolean;
  FLAC__stream_encoder_delete(enc: number): void;
}

let libFlac: Promise<LibFlac> | null = null;

function loadLibFlac(): Promise<LibFlac> {
  libFlac ??= new Promise<LibFlac>((resolve) => {
    // libflacjs is CommonJS; the asm.js build encodes synchronously once initialised.
    const flac = createRequire(import.meta.url)('libflacjs/dist/libflac.js') as LibFlac;
    if (flac.isReady()) resolve(flac);
    else flac.onready = () => resolve(flac);
  });
  return libFlac;
}

/** Encodes mono int16 samples as a FLAC file (compression level 5). */
export async function encodeFlac(samples: Int16Array, sampleRate: number): Promise<Uint8Array> {
  const flac = await loadLibFlac();
  const chunks: Uint8Array[] = [];
  const enc = flac.create_libflac_encoder(sampleRate, 1, 16, 5, samples.length, false);
  if (!enc) throw new Error('libflacjs: could not create an encoder');
  try {
    const status = flac.init_encoder_stream(
      enc,
      (data, bytes) => chunks.push(data.slice(0, bytes)),
      () => undefined,
    );
    if (status !== 0) throw new Error(`libflacjs: encoder init failed with status ${status}`);
    const ok = flac.FLAC__stream_encoder_process_interleaved(
      enc,
      Int32Array.from(samples),
      samples.length,
    );
    if (!ok || !flac.FLAC__stream_encoder_finish(enc))
      throw new Error('libflacjs: encoding failed');
  } finally {
    flac.FLAC__stream_encoder_delete(enc);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
