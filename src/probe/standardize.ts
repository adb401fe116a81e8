/**
 * Feature standardisation, the one z-scoring of the project: per-feature mean and std of the
 * training features, applied as the same affine map to training and test features. An affine
 * map of the input does not change what a linear classifier can represent, only how fast its
 * optimiser gets there.
 */

export interface FeatureScale {
  readonly mean: Float64Array;
  /** Population std per feature; 1 where a feature is constant, so it maps to 0, not NaN. */
  readonly std: Float64Array;
}

/** Per-feature mean and std of `x`, rows of `dim` features, row-major. Float64 sums. */
export function featureScale(x: ArrayLike<number>, dim: number): FeatureScale {
  const rows = x.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) {
      const v = x[r * dim + d]!;
      mean[d]! += v;
      sq[d]! += v * v;
    }
  }
  const std = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d]! /= Math.max(1, rows);
    const variance = sq[d]! / Math.max(1, rows) - mean[d]! ** 2;
    std[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

/** (x − mean) / std per feature, into `out` (a new Float32Array unless given; may be `x`). */
export function standardized<T extends Float32Array | Float64Array = Float32Array>(
  x: ArrayLike<number>,
  { mean, std }: FeatureScale,
  out: T = new Float32Array(x.length) as T,
): T {
  const dim = mean.length;
  for (let i = 0; i < out.length; i++) {
    const d = i % dim;
    out[i] = (x[i]! - mean[d]!) / std[d]!;
  }
  return out;
}
