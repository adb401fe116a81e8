/**
 * PCM conventions shared by the audio readers, the loader and the generator.
 *
 * Float PCM in this project is int16 / 32768, so samples lie in [-1, 1). The reference
 * normalises int32-scaled samples (old torchaudio, int16 × 65536) with fixed constants; dividing
 * them by 2^31 gives the same normalisation for our float scale (spec §2.1).
 */

/** Sample rate every corpus must have (LibriSpeech, and what the generator writes). */
export const SAMPLE_RATE_HZ = 16000;

/** Samples per 10 ms label frame; also the encoder's total stride. */
export const FRAME_SAMPLES = 160;

/** Reference mean on the int32 scale, converted to float PCM: −1456218.75 / 2^31 ≈ −6.7811e-4. */
export const AUDIO_MEAN = -1456218.75 / 2 ** 31;

/** Reference std on the int32 scale, converted to float PCM: 135303504 / 2^31 ≈ 0.0630058. */
export const AUDIO_STD = 135303504 / 2 ** 31;

/** Writes normalised samples `(int16/32768 − mean) / std` of `src[from, from+count)` into `dst` at `offset`. */
export function normaliseInt16(
  src: Int16Array,
  from: number,
  count: number,
  dst: Float32Array,
  offset = 0,
): void {
  const scale = 1 / (32768 * AUDIO_STD);
  const shift = AUDIO_MEAN / AUDIO_STD;
  for (let i = 0; i < count; i++) dst[offset + i] = src[from + i]! * scale - shift;
}

/** Float PCM (int16/32768) → int16, rounding and clipping. */
export function floatToInt16(x: Float32Array | Float64Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(x[i]! * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
