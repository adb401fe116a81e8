/**
 * In-place iterative radix-2 FFT on split real/imaginary Float64Arrays.
 * Float64 on purpose: the features are compared with a float64 reference to 1e-4 and a
 * 512-point transform in float32 would eat most of that margin.
 */
import { ShapeError } from '../../errors.js';

interface Twiddles {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly bitReverse: Uint32Array;
}

// Tables depend only on the size; a front end uses one size for a whole corpus.
const tables = new Map<number, Twiddles>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

function twiddles(n: number): Twiddles {
  let t = tables.get(n);
  if (t) return t;
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n); // forward transform: e^{-2πik/n}
  }
  const bits = Math.log2(n);
  const bitReverse = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    bitReverse[i] = r;
  }
  t = { cos, sin, bitReverse };
  tables.set(n, t);
  return t;
}

/** Forward DFT X[k] = Σ x[n] e^{-2πikn/N}, unnormalised, in place. N must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n) throw new ShapeError(`fft: re has ${n} values but im has ${im.length}`);
  if (!isPowerOfTwo(n)) throw new ShapeError(`fft: length must be a power of two, got ${n}`);
  const { cos, sin, bitReverse } = twiddles(n);
  for (let i = 0; i < n; i++) {
    const j = bitReverse[i]!;
    if (j > i) {
      let tmp = re[i]!;
      re[i] = re[j]!;
      re[j] = tmp;
      tmp = im[i]!;
      im[i] = im[j]!;
      im[j] = tmp;
    }
  }
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = sin[k * step]!;
        const a = start + k;
        const b = a + half;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

/**
 * |X[k]|² for k = 0..n/2 of a real frame zero-padded to n points.
 * `scratch` arrays of length n may be passed to avoid allocating per frame.
 */
export function powerSpectrum(
  frame: ArrayLike<number>,
  n: number,
  out: Float64Array = new Float64Array(n / 2 + 1),
  scratchRe: Float64Array = new Float64Array(n),
  scratchIm: Float64Array = new Float64Array(n),
): Float64Array {
  if (frame.length > n)
    throw new ShapeError(`powerSpectrum: frame of ${frame.length} exceeds FFT size ${n}`);
  scratchRe.fill(0);
  scratchIm.fill(0);
  for (let i = 0; i < frame.length; i++) scratchRe[i] = frame[i]!;
  fft(scratchRe, scratchIm);
  for (let k = 0; k <= n / 2; k++)
    out[k] = scratchRe[k]! * scratchRe[k]! + scratchIm[k]! * scratchIm[k]!;
  return out;
}
