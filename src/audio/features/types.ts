/** A [frames × dim] feature matrix, row-major: frame f is data[f*dim .. (f+1)*dim). */
export interface FeatureMatrix {
  readonly frames: number;
  readonly dim: number;
  readonly data: Float32Array;
}
