/**
 * Slow reference InfoNCE on plain arrays, following the reference code's loops literally
 * (spec §2.4): per k, positives z[:, k:] against W_k c[:, :−k], negatives by index, log-softmax
 * over 1+N, sum over positions / count, then / K.
 */
import type { InfoNceDraw } from '../../src/losses/negatives.js';

export function referenceInfoNce(
  z: number[][][], // [B][L][C]
  c: number[][][], // [B][L][D]
  w: number[][], // [D][K·C]
  K: number,
  N: number,
  draw: InfoNceDraw,
): { loss: number; accuracy: number; accuracyTiesWrong: number } {
  const B = z.length;
  const L = z[0]!.length;
  const C = z[0]![0]!.length;
  const { windowStart: s, windowLength: Lw } = draw;
  const zFull: number[][] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) zFull.push(z[b]![t]!);
  let total = 0;
  let accTotal = 0;
  let accStrictTotal = 0;
  for (let k = 1; k <= K; k++) {
    const positives: number[][] = [];
    const preds: number[][] = [];
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Lw - k; t++) {
        const ctx = c[b]![s + t]!;
        const pred = new Array<number>(C).fill(0);
        for (let j = 0; j < C; j++) {
          for (let d = 0; d < ctx.length; d++) pred[j]! += ctx[d]! * w[d]![(k - 1) * C + j]!;
        }
        preds.push(pred);
        positives.push(z[b]![s + t + k]!);
      }
    }
    const R = positives.length;
    const source = draw.source === 'full' ? zFull : positives;
    let sum = 0;
    let correct = 0;
    let strict = 0;
    for (let r = 0; r < R; r++) {
      const dot = (v: number[]): number => v.reduce((acc, x, j) => acc + x * preds[r]![j]!, 0);
      const scores = [dot(positives[r]!)];
      for (let n = 0; n < N; n++) scores.push(dot(source[draw.negatives[k - 1]![r * N + n]!]!));
      const max = Math.max(...scores);
      const lse = max + Math.log(scores.reduce((acc, x) => acc + Math.exp(x - max), 0));
      sum += -(scores[0]! - lse);
      if (scores.indexOf(max) === 0) correct += 1;
      // A negative equal to the positive (possible with methods 1 and 2) is a tie that float
      // rounding may break either way; report the accuracy with ties counted wrong as well.
      if (scores.slice(1).every((v) => v < scores[0]!)) strict += 1;
    }
    total += sum / R;
    accTotal += correct / R;
    accStrictTotal += strict / R;
  }
  return { loss: total / K, accuracy: accTotal / K, accuracyTiesWrong: accStrictTotal / K };
}
