/**
 * MFCCs, the paper's hand-crafted baseline for the linear probes: orthonormal DCT-II of the
 * log-mel spectrogram (13 of 40), optionally with deltas and delta-deltas (13 + 13 + 13 = 39).
 * Per-frame layout: [c_0..c_12, Δc_0..Δc_12, ΔΔc_0..ΔΔc_12].
 */
import { ConfigError, ShapeError } from '../../errors.js';
import { dctMatrix } from './dct.js';
import { logMelSpectrogram, type SpectrogramOptions } from './spectrogram.js';
import type { FeatureMatrix } from './types.js';

export interface MfccOptions extends SpectrogramOptions {
  /** Number of cepstral coefficients kept, including c_0; default 13. */
  readonly coefficients?: number;
  /** Append deltas and delta-deltas; default false. */
  readonly deltas?: boolean;
  /** Regression half-width of the deltas (HTK/Kaldi/torchaudio use 2); default 2. */
  readonly deltaWindow?: number;
}

export function mfcc(audio: Float32Array, opts: MfccOptions = {}): FeatureMatrix {
  const { coefficients = 13, deltas: withDeltas = false, deltaWindow = 2, ...specOpts } = opts;
  const logMel = logMelSpectrogram(audio, specOpts);
  if (!Number.isInteger(coefficients) || coefficients < 1 || coefficients > logMel.dim) {
    throw new ConfigError(
      'coefficients',
      `an integer in [1, melBands=${logMel.dim}]`,
      coefficients,
      'features',
    );
  }
  if (!Number.isInteger(deltaWindow) || deltaWindow < 1) {
    throw new ConfigError('deltaWindow', 'a positive integer', deltaWindow, 'features');
  }
  const bands = logMel.dim;
  const dct = dctMatrix(coefficients, bands);
  const cep = new Float32Array(logMel.frames * coefficients);
  for (let f = 0; f < logMel.frames; f++) {
    for (let k = 0; k < coefficients; k++) {
      let s = 0;
      for (let b = 0; b < bands; b++) s += dct[k * bands + b]! * logMel.data[f * bands + b]!;
      cep[f * coefficients + k] = s;
    }
  }
  const base: FeatureMatrix = { frames: logMel.frames, dim: coefficients, data: cep };
  if (!withDeltas) return base;
  const d1 = deltas(base, deltaWindow);
  const d2 = deltas(d1, deltaWindow);
  return concatFeatures([base, d1, d2]);
}

/**
 * Regression deltas: d_t = Σ_{n=1..W} n (x_{t+n} − x_{t−n}) / (2 Σ n²), with frames beyond
 * either end replaced by the edge frame (torchaudio `compute_deltas`, Kaldi `add-deltas`).
 */
export function deltas(feat: FeatureMatrix, window = 2): FeatureMatrix {
  const { frames, dim, data } = feat;
  let denom = 0;
  for (let n = 1; n <= window; n++) denom += n * n;
  denom *= 2;
  const out = new Float32Array(frames * dim);
  const clamp = (t: number): number => Math.min(frames - 1, Math.max(0, t));
  for (let t = 0; t < frames; t++) {
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let n = 1; n <= window; n++)
        s += n * (data[clamp(t + n) * dim + j]! - data[clamp(t - n) * dim + j]!);
      out[t * dim + j] = s / denom;
    }
  }
  return { frames, dim, data: out };
}

/** Joins feature matrices with the same frame count along the feature axis. */
export function concatFeatures(parts: readonly FeatureMatrix[]): FeatureMatrix {
  const first = parts[0];
  if (!first) throw new ShapeError('concatFeatures: nothing to concatenate');
  const frames = first.frames;
  for (const p of parts) {
    if (p.frames !== frames)
      throw new ShapeError(`concatFeatures: ${p.frames} frames vs ${frames}`);
  }
  const dim = parts.reduce((s, p) => s + p.dim, 0);
  const data = new Float32Array(frames * dim);
  for (let t = 0; t < frames; t++) {
    let offset = 0;
    for (const p of parts) {
      data.set(p.data.subarray(t * p.dim, (t + 1) * p.dim), t * dim + offset);
      offset += p.dim;
    }
  }
  return { frames, dim, data };
}

/** Time average of the frames: one [dim] vector per utterance, for the speaker probe. */
export function utteranceFeatureMean(feat: FeatureMatrix): Float32Array {
  if (feat.frames < 1) throw new ShapeError('utteranceFeatureMean: no frames to average');
  if (feat.data.length !== feat.frames * feat.dim) {
    throw new ShapeError(
      `utteranceFeatureMean: data has ${feat.data.length} values, expected ${feat.frames}×${feat.dim}`,
    );
  }
  const acc = new Float64Array(feat.dim);
  for (let t = 0; t < feat.frames; t++) {
    for (let j = 0; j < feat.dim; j++) acc[j]! += feat.data[t * feat.dim + j]!;
  }
  const out = new Float32Array(feat.dim);
  for (let j = 0; j < feat.dim; j++) out[j] = acc[j]! / feat.frames;
  return out;
}
