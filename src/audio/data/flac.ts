/**
 * FLAC in and out, both through libFLAC itself (libflacjs, see ./libflac.ts), so that every valid
 * file decodes to exactly its samples and every frame's CRC is checked. libflacjs is loaded
 * lazily: importing this module costs nothing until a FLAC file is touched.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { DataError } from '../../errors.js';
import { loadLibFlac, withLastHeapRead, type LibFlac } from './libflac.js';
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
  const blockLength = (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!;
  if (blockLength !== 34)
    throw new DataError(file, `FLAC STREAMINFO block of ${blockLength} bytes: expected 34`);
  const b = bytes.subarray(8, 8 + 34);
  // Bytes 10..17 of STREAMINFO: 20 bits rate, 3 bits channels−1, 5 bits bps−1, 36 bits total.
  const sampleRate = (b[10]! << 12) | (b[11]! << 4) | (b[12]! >> 4);
  const channels = ((b[12]! >> 1) & 0x7) + 1;
  const bitsPerSample = (((b[12]! & 1) << 4) | (b[13]! >> 4)) + 1;
  const frames =
    (b[13]! & 0xf) * 2 ** 32 + ((b[14]! << 24) >>> 0) + (b[15]! << 16) + (b[16]! << 8) + b[17]!;
  return { sampleRate, channels, bitsPerSample, frames };
}

/** STREAMINFO's MD5 of the decoded samples; null when the encoder left it unset (all zeros). */
function streamInfoMd5(bytes: Uint8Array): string | null {
  const md5 = bytes.subarray(8 + 18, 8 + 34);
  return md5.some((b) => b !== 0) ? Buffer.from(md5).toString('hex') : null;
}

/** libFLAC's FLAC__StreamDecoderState names, for messages. */
const DECODER_STATES = [
  'searching for metadata',
  'reading metadata',
  'searching for a frame sync',
  'reading a frame',
  'end of stream',
  'ogg error',
  'seek error',
  'aborted',
  'memory allocation error',
  'uninitialised',
];

/** Decodes 16-bit mono FLAC files to int16 samples, exactly, with libFLAC. */
export class FlacReader {
  /** Decodes a 16-bit mono FLAC into int16 samples; checks the result against STREAMINFO. */
  async decode(file: string, bytes: Uint8Array): Promise<Int16Array> {
    const info = readFlacInfo(file, bytes);
    if (info.bitsPerSample !== 16)
      throw new DataError(file, `FLAC with ${info.bitsPerSample}-bit samples: expected 16-bit`);
    if (info.channels !== 1)
      throw new DataError(file, `FLAC with ${info.channels} channels: expected mono`);
    const samples = decodeMono16(file, bytes, await loadLibFlac());
    if (info.frames > 0 && samples.length !== info.frames) {
      throw new DataError(
        file,
        `FLAC decode gave ${samples.length} samples, STREAMINFO says ${info.frames}: corrupt file`,
      );
    }
    const md5 = streamInfoMd5(bytes);
    if (md5 !== null && md5 !== pcmMd5(samples))
      throw new DataError(file, 'decoded samples do not match the MD5 in STREAMINFO: corrupt file');
    return samples;
  }

  /** Nothing to free: each decode creates and deletes its own libFLAC decoder. */
  dispose(): void {}
}

/** What the decoder callbacks saw; read after decoding to decide whether it worked. */
interface DecodeReport {
  readonly chunks: Int16Array[];
  readonly errors: string[];
  badFrame: string | null;
  outOfRange: boolean;
}

function decodeMono16(file: string, bytes: Uint8Array, flac: LibFlac): Int16Array {
  // libFLAC's own MD5 check is off: pcmMd5 checks what we return, which covers libFLAC too.
  const dec = flac.create_libflac_decoder(false);
  if (!dec) throw new Error('libflacjs: could not create a decoder');
  const report: DecodeReport = { chunks: [], errors: [], badFrame: null, outOfRange: false };
  try {
    const ok = withLastHeapRead(flac, (channelPointer) => {
      const status = initDecoder(flac, dec, bytes, channelPointer, report);
      if (status !== 0) throw new Error(`libflacjs: decoder init failed with status ${status}`);
      return flac.FLAC__stream_decoder_process_until_end_of_stream(dec);
    });
    const state = flac.FLAC__stream_decoder_get_state(dec);
    checkDecodeReport(file, report, ok, state);
  } finally {
    flac.FLAC__stream_decoder_finish(dec);
    flac.FLAC__stream_decoder_delete(dec);
  }
  return concatInt16(report.chunks);
}

/** Feeds `bytes` to the decoder and collects each frame's int16 samples into `report`. */
function initDecoder(
  flac: LibFlac,
  dec: number,
  bytes: Uint8Array,
  channelPointer: () => number,
  report: DecodeReport,
): number {
  let at = 0;
  return flac.init_decoder_stream(
    dec,
    (wanted) => {
      const n = Math.min(wanted, bytes.length - at);
      const chunk = bytes.subarray(at, at + n);
      at += n;
      return { buffer: chunk, readDataLength: n, error: false };
    },
    (_copies, frame) => {
      if (frame.channels !== 1 || frame.bitsPerSample !== 16) {
        report.badFrame = `a frame of ${frame.channels} channel(s) × ${frame.bitsPerSample} bits in a 16-bit mono file`;
        return false; // aborts decoding
      }
      const start = channelPointer() >> 2; // byte address → HEAP32 index
      const block = flac._module.HEAP32.subarray(start, start + frame.blocksize);
      // A 16-bit frame holds only int16 values; anything else means we read the wrong memory.
      if (block.some((v) => v < -32768 || v > 32767)) {
        report.outOfRange = true;
        return false; // aborts decoding
      }
      report.chunks.push(Int16Array.from(block));
      return true;
    },
    (_code, description) =>
      report.errors.push(description.replace('FLAC__STREAM_DECODER_ERROR_STATUS_', '')),
  );
}

/** Throws unless decoding ran to the end of the stream with no bad or misread frame. */
function checkDecodeReport(file: string, report: DecodeReport, ok: number, state: number): void {
  const { errors, badFrame } = report;
  if (report.outOfRange)
    throw new Error('libflacjs: decoded a sample outside 16 bits (wrong buffer)');
  if (badFrame) throw new DataError(file, `FLAC decode failed: ${badFrame}`);
  if (errors.length > 0) {
    // libFLAC reports each broken frame (CRC mismatch, lost sync, bad header) and then
    // carries on with silence in its place, so any report means the samples are not the file's.
    throw new DataError(
      file,
      `FLAC decode failed: ${errors.length} bad frame(s) (${[...new Set(errors)].join(', ').toLowerCase()}): corrupt file`,
    );
  }
  if (!ok || state !== 4) {
    // State 4 is "end of stream": libFLAC ran out of bytes in the middle of a frame.
    const where =
      state === 4
        ? 'the file ends inside a frame (truncated?)'
        : `libFLAC stopped while ${DECODER_STATES[state] ?? `in state ${state}`}`;
    throw new DataError(file, `FLAC decode failed: ${where}: corrupt file`);
  }
}

function concatInt16(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** FLAC's MD5: over the samples as little-endian signed 16-bit integers. */
function pcmMd5(samples: Int16Array): string {
  let bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  if (endianness() !== 'LE') {
    bytes = Buffer.from(bytes);
    bytes.swap16();
  }
  return createHash('md5').update(bytes).digest('hex');
}

export interface FlacEncodeOptions {
  /** Samples per frame; 0 lets libFLAC choose (4096 at level 5). */
  blockSize?: number;
  /** libFLAC compression level 0–8. Default 5, as `flac`'s default. */
  level?: number;
}

/** Encodes mono int16 samples as a FLAC file. */
export async function encodeFlac(
  samples: Int16Array,
  sampleRate: number,
  options: FlacEncodeOptions = {},
): Promise<Uint8Array> {
  const { blockSize = 0, level = 5 } = options;
  const flac = await loadLibFlac();
  const chunks: Uint8Array[] = [];
  const enc = flac.create_libflac_encoder(
    sampleRate,
    1,
    16,
    level,
    samples.length,
    false,
    blockSize,
  );
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
  // libFLAC writes STREAMINFO first and can only fill in the MD5 by seeking back, which a stream
  // cannot; do it here as `flac` does, so decoders (ours, `flac -t`) can verify the samples.
  out.set(Buffer.from(pcmMd5(samples), 'hex'), 8 + 18);
  return out;
}
