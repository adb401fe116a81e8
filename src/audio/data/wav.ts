/**
 * A small reader and writer for 16-bit PCM WAV, the only WAV flavour the corpora use. The reader
 * walks the RIFF chunks (it does not assume a 44-byte header) so files with LIST/fact chunks load.
 */
import { DataError } from '../../errors.js';

export interface PcmInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Samples per channel. */
  frames: number;
}

interface WavLayout extends PcmInfo {
  dataOffset: number;
}

/** A data chunk size that streaming writers put there before they know the length. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);

function layout(file: string, bytes: Uint8Array): WavLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new DataError(file, 'not a WAV file: expected "RIFF....WAVE" at the start');
  }
  let fmt: Omit<PcmInfo, 'frames'> | null = null;
  let data: { offset: number; bytes: number } | null = null;
  let at = 12;
  // Walk every chunk, also those after the data: a size that does not land on the next chunk
  // header (or the end) means a damaged header, which would otherwise pass as shorter audio.
  while (at < bytes.length) {
    if (at + 8 > bytes.length)
      throw new DataError(file, `WAV: ${bytes.length - at} stray bytes after the last chunk`);
    const id = tag(at);
    if (!/^[\x20-\x7e]{4}$/.test(id))
      throw new DataError(
        file,
        `WAV: byte ${at} should start a chunk, found ${JSON.stringify(id)}`,
      );
    let size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'data' && !data && UNKNOWN_SIZES.has(size)) size = bytes.length - body;
    if (body + size > bytes.length) {
      throw new DataError(
        file,
        `WAV ${JSON.stringify(id)} chunk of ${size} bytes at byte ${at}, but only ${bytes.length - body} follow: truncated file`,
      );
    }
    if (id === 'fmt ') fmt = readFmt(file, view, body, size);
    else if (id === 'data' && !data) {
      if (!fmt) throw new DataError(file, 'WAV data chunk before the fmt chunk');
      const frameBytes = (fmt.channels * fmt.bitsPerSample) / 8;
      if (size % frameBytes !== 0)
        throw new DataError(
          file,
          `WAV data chunk of ${size} bytes is not a whole number of ${frameBytes}-byte frames`,
        );
      data = { offset: body, bytes: size };
    }
    // Chunks are padded to an even length; the pad byte may be missing at the very end.
    at = Math.min(body + size + (size & 1), bytes.length);
  }
  if (!data || !fmt) throw new DataError(file, 'WAV file has no data chunk');
  return { ...fmt, frames: data.bytes / (2 * fmt.channels), dataOffset: data.offset };
}

function readFmt(
  file: string,
  view: DataView,
  body: number,
  size: number,
): Omit<PcmInfo, 'frames'> {
  if (size < 16) throw new DataError(file, `WAV fmt chunk too short (${size} bytes)`);
  const format = view.getUint16(body, true);
  // 1 = PCM; 0xFFFE = WAVE_FORMAT_EXTENSIBLE, whose sub-format we accept as PCM when 16-bit.
  if (format !== 1 && format !== 0xfffe)
    throw new DataError(file, `WAV format ${format}: expected PCM (1)`);
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const byteRate = view.getUint32(body + 8, true);
  const blockAlign = view.getUint16(body + 12, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  if (bitsPerSample !== 16)
    throw new DataError(file, `WAV with ${bitsPerSample}-bit samples: expected 16-bit PCM`);
  if (channels === 0 || sampleRate === 0)
    throw new DataError(file, `WAV fmt chunk with ${channels} channels at ${sampleRate} Hz`);
  // Redundant fields: a mismatch can only come from a damaged header.
  if (blockAlign !== 2 * channels || byteRate !== sampleRate * blockAlign) {
    throw new DataError(
      file,
      `WAV fmt chunk inconsistent: block align ${blockAlign} and byte rate ${byteRate} for ${channels} channel(s) at ${sampleRate} Hz`,
    );
  }
  return { channels, sampleRate, bitsPerSample };
}

/** Reads only the header. */
export function readWavInfo(file: string, bytes: Uint8Array): PcmInfo {
  const { dataOffset: _ignored, ...info } = layout(file, bytes);
  return info;
}

/** Decodes a 16-bit PCM WAV into interleaved int16 samples. */
export function readWav(file: string, bytes: Uint8Array): PcmInfo & { samples: Int16Array } {
  const l = layout(file, bytes);
  const n = l.frames * l.channels;
  const samples = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) samples[i] = view.getInt16(l.dataOffset + 2 * i, true);
  const { dataOffset: _ignored, ...info } = l;
  return { ...info, samples };
}

/** Encodes mono int16 samples as a 44-byte-header PCM WAV. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(44 + 2 * samples.length);
  const view = new DataView(out.buffer);
  const put = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + 2 * samples.length, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, 2 * samples.length, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + 2 * i, samples[i]!, true);
  return out;
}
