/**
 * Orthonormal DCT-II (the MFCC transform), as scipy `dct(type=2, norm='ortho')` and
 * torchaudio `create_dct(norm='ortho')`: y[k] = s_k Σ_n x[n] cos(π k (2n + 1) / (2N)),
 * s_0 = √(1/N), s_k = √(2/N). Only the first `outputs` rows are built.
 */
export function dctMatrix(outputs: number, inputs: number): Float64Array {
  const m = new Float64Array(outputs * inputs);
  for (let k = 0; k < outputs; k++) {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / inputs);
    for (let n = 0; n < inputs; n++)
      m[k * inputs + n] = scale * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * inputs));
  }
  return m;
}
