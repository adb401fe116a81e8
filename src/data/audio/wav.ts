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

function layout(file: string, bytes: Uint8Array): WavLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new DataError(file, 'not a WAV file: expected "RIFF....WAVE" at the start');
  }
  let fmt: Omit<PcmInfo, 'frames'> | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length)
        throw new DataError(file, `WAV fmt chunk too short (${size} bytes)`);
      const format = view.getUint16(body, true);
      // 1 = PCM; 0xFFFE = WAVE_FORMAT_EXTENSIBLE, whose sub-format we accept as PCM when 16-bit.
      if (format !== 1 && format !== 0xfffe)
        throw new DataError(file, `WAV format ${format}: expected PCM (1)`);
      fmt = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) throw new DataError(file, 'WAV data chunk before the fmt chunk');
      if (fmt.bitsPerSample !== 16)
        throw new DataError(file, `WAV with ${fmt.bitsPerSample}-bit samples: expected 16-bit PCM`);
      // A truncated file keeps what is there (whole frames only) rather than reading past the end.
      const available = Math.min(size, bytes.length - body);
      return { ...fmt, frames: Math.floor(available / (2 * fmt.channels)), dataOffset: body };
    }
    at = body + size + (size & 1);
  }
  throw new DataError(file, 'WAV file has no data chunk');
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
