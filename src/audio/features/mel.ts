/**
 * HTK mel scale and triangular mel filterbank, built like torchaudio's
 * `melscale_fbanks(..., norm=None, mel_scale="htk")`: band edges equally spaced in mel between
 * fMin and fMax, triangles evaluated at the FFT bin frequencies, no area normalisation.
 */

/** HTK: mel = 2595 · log10(1 + f / 700). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

export interface MelFilterbank {
  readonly bands: number;
  readonly bins: number;
  /** [bands × bins], row-major. */
  readonly weights: Float64Array;
  /** The bands + 2 edge frequencies (Hz): band b rises from edges[b], peaks at edges[b+1]. */
  readonly edgesHz: Float64Array;
}

export function melFilterbank(
  bands: number,
  fftSize: number,
  sampleRateHz: number,
  fMinHz: number,
  fMaxHz: number,
): MelFilterbank {
  const bins = fftSize / 2 + 1;
  const melMin = hzToMel(fMinHz);
  const melMax = hzToMel(fMaxHz);
  const edgesHz = new Float64Array(bands + 2);
  for (let i = 0; i < bands + 2; i++)
    edgesHz[i] = melToHz(melMin + ((melMax - melMin) * i) / (bands + 1));
  const weights = new Float64Array(bands * bins);
  for (let b = 0; b < bands; b++) {
    const lo = edgesHz[b]!;
    const mid = edgesHz[b + 1]!;
    const hi = edgesHz[b + 2]!;
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRateHz) / fftSize;
      const up = (f - lo) / (mid - lo);
      const down = (hi - f) / (hi - mid);
      weights[b * bins + k] = Math.max(0, Math.min(up, down));
    }
  }
  return { bands, bins, weights, edgesHz };
}
