/**
 * Slow, plainly correct reference implementations on number arrays (the test oracles).
 * Written straight from the PyTorch documentation's equations, with no tensor library.
 */

export type Matrix = number[][];

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * PyTorch GRU on one sequence. x: [T][in]; wIh: [in][3H]; wHh: [H][3H]; gate order r, z, n.
 * Initial state h0 [H], zero when absent. Returns [T][H].
 */
export function referenceGru(
  x: Matrix,
  wIh: Matrix,
  wHh: Matrix,
  bIh: number[],
  bHh: number[],
  hidden: number,
  h0?: readonly number[],
): Matrix {
  let h = h0 ? [...h0] : new Array<number>(hidden).fill(0);
  const out: Matrix = [];
  for (const xt of x) {
    const gi = new Array<number>(3 * hidden).fill(0);
    const gh = new Array<number>(3 * hidden).fill(0);
    for (let j = 0; j < 3 * hidden; j++) {
      let si = bIh[j]!;
      for (let i = 0; i < xt.length; i++) si += xt[i]! * wIh[i]![j]!;
      gi[j] = si;
      let sh = bHh[j]!;
      for (let i = 0; i < hidden; i++) sh += h[i]! * wHh[i]![j]!;
      gh[j] = sh;
    }
    const next = new Array<number>(hidden);
    for (let u = 0; u < hidden; u++) {
      const r = sigmoid(gi[u]! + gh[u]!);
      const z = sigmoid(gi[hidden + u]! + gh[hidden + u]!);
      const n = Math.tanh(gi[2 * hidden + u]! + r * gh[2 * hidden + u]!);
      next[u] = (1 - z) * n + z * h[u]!;
    }
    h = next;
    out.push([...h]);
  }
  return out;
}

/**
 * PyTorch Conv1d on one sequence, channels-last. x: [T][Cin]; w: [k][Cin][Cout]; b: [Cout].
 * Zero padding p on both sides; returns [T'][Cout].
 */
export function referenceConv1d(
  x: Matrix,
  w: number[][][],
  b: number[],
  stride: number,
  padding: number,
): Matrix {
  const k = w.length;
  const cin = x[0]!.length;
  const cout = b.length;
  const tOut = Math.floor((x.length + 2 * padding - k) / stride) + 1;
  const out: Matrix = [];
  for (let t = 0; t < tOut; t++) {
    const row = [...b];
    for (let j = 0; j < k; j++) {
      const src = t * stride + j - padding;
      if (src < 0 || src >= x.length) continue;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) row[co]! += x[src]![ci]! * w[j]![ci]![co]!;
      }
    }
    out.push(row);
  }
  return out;
}

/** Reshape a flat array into nested arrays of the given shape. */
export function nest(flat: ArrayLike<number>, shape: number[]): any {
  if (shape.length === 1) return Array.from({ length: shape[0]! }, (_, i) => flat[i]!);
  const inner = shape.slice(1).reduce((a, v) => a * v, 1);
  return Array.from({ length: shape[0]! }, (_, i) =>
    nest(Array.prototype.slice.call(flat, i * inner, (i + 1) * inner), shape.slice(1)),
  );
}
