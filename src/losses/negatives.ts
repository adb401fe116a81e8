/**
 * Negative sampling for sequence InfoNCE, as index arrays drawn in plain JS from a seeded Rng.
 * Drawing indices apart from the tensor maths keeps the loss testable against a reference that
 * uses the very same draw, and lets us gather only the rows that are scored.
 *
 * The three methods of the reference (`--sampling_method`, spec §2.4):
 * - 'batch-permutation' (method 1, default): N random permutations of all B·L rows of the full
 *   z; step k takes the last B·(Lw−k) entries of each permutation, row-aligned with the positives.
 *   The reference materialises N permuted copies of z (B·L·C·N floats); the last m entries of a
 *   uniform permutation are a uniform draw of m distinct rows, so we draw only those m entries
 *   (a partial Fisher–Yates) and gather only the rows that are scored: same distribution.
 * - 'offset' (method 0): per step k, over the n = B·(Lw−k) positive rows of that step, row i
 *   gets row (i + r) mod n with r uniform in [1, n−1]: never the positive itself.
 * - 'within-sequence' (method 2): N permutations of the B·L row indices taken modulo L, so each
 *   negative comes from the same sequence; a second random 128-window is cut from them.
 */
import type { Rng } from '../backend/random.js';

export const NEGATIVE_SAMPLING_METHODS = [
  'batch-permutation',
  'offset',
  'within-sequence',
] as const;
export type NegativeSampling = (typeof NEGATIVE_SAMPLING_METHODS)[number];

export interface InfoNceShape {
  readonly batch: number;
  /** Length of the full target sequence z (negatives may come from all of it). */
  readonly length: number;
  readonly predictionSteps: number;
  readonly negativeSamples: number;
  /** Positives are restricted to a random window of this many steps when the sequence is longer (0: off). */
  readonly subsampleWindow: number;
}

export interface InfoNceDraw {
  /** First step of the window of positives/contexts. */
  readonly windowStart: number;
  /** Steps in that window (Lw). */
  readonly windowLength: number;
  /** Which rows the negative indices point into: the flattened full z [B·L, C], or step k's flattened positives [B·(Lw−k), C]. */
  readonly source: 'full' | 'step';
  /** negatives[k−1]: Int32Array of length B·(Lw−k)·N, laid out [row][n]. */
  readonly negatives: readonly Int32Array[];
  /**
   * True when every step's negatives are a suffix of step 1's (batch-permutation): then one
   * gather of step 1's rows serves all k, each k taking a contiguous slice of it.
   */
  readonly nested: boolean;
}

/** Draw the subsample window and all negative indices for one loss call. */
export function drawNegatives(
  shape: InfoNceShape,
  method: NegativeSampling,
  rng: Rng,
): InfoNceDraw {
  const { batch: B, length: L, predictionSteps: K, negativeSamples: N, subsampleWindow } = shape;
  let windowStart = 0;
  let windowLength = L;
  if (subsampleWindow > 0 && L > subsampleWindow) {
    windowStart = rng.int(L - subsampleWindow); // numpy randint(0, L − win): [0, L − win)
    windowLength = subsampleWindow;
  }
  const Lw = windowLength;
  const negatives: Int32Array[] = [];
  if (method === 'batch-permutation') {
    const rows = B * L;
    const needed = B * (Lw - 1); // rows used by k = 1, the longest step
    const tails = Array.from({ length: N }, () => permutationTail(rng, rows, needed));
    // Step 1 uses all `needed` entries of each tail; step k its last B·(Lw−k): a suffix.
    const first = new Int32Array(needed * N);
    for (let n = 0; n < N; n++) {
      const tail = tails[n]!; // tail[j] = permutation[rows − needed + j]
      for (let r = 0; r < needed; r++) first[r * N + n] = tail[r]!;
    }
    for (let k = 1; k <= K; k++) negatives.push(first.subarray((needed - B * (Lw - k)) * N));
    return { windowStart, windowLength, source: 'full', negatives, nested: true };
  }
  if (method === 'offset') {
    for (let k = 1; k <= K; k++) {
      const R = B * (Lw - k);
      const idx = new Int32Array(R * N);
      // Reference draws all offsets for negative 0 first, then 1, …; we keep that order.
      for (let n = 0; n < N; n++) {
        for (let r = 0; r < R; r++) idx[r * N + n] = (r + 1 + rng.int(R - 1)) % R;
      }
      negatives.push(idx);
    }
    return { windowStart, windowLength, source: 'step', negatives, nested: false };
  }
  // within-sequence
  const perms = Array.from({ length: N }, () => rng.permutation(B * L));
  let negStart = 0;
  if (subsampleWindow > 0 && L > subsampleWindow) negStart = rng.int(L - subsampleWindow);
  for (let k = 1; k <= K; k++) {
    const R = B * (Lw - k);
    const idx = new Int32Array(R * N);
    for (let b = 0; b < B; b++) {
      for (let t = k; t < Lw; t++) {
        const r = b * (Lw - k) + (t - k);
        for (let n = 0; n < N; n++) {
          const time = perms[n]![b * L + negStart + t]! % L;
          idx[r * N + n] = b * L + time;
        }
      }
    }
    negatives.push(idx);
  }
  return { windowStart, windowLength, source: 'full', negatives, nested: false };
}

/**
 * The last `m` entries of a uniform random permutation of 0..n−1, without building it:
 * a partial Fisher–Yates from the end, with a sparse map of swapped positions.
 */
export function permutationTail(rng: Rng, n: number, m: number): Int32Array {
  const swapped = new Map<number, number>();
  const out = new Int32Array(m);
  // Fisher–Yates fills positions n−1, n−2, … first; position n−1−i receives the i-th draw.
  for (let i = 0; i < m; i++) {
    const pos = n - 1 - i;
    const j = rng.int(pos + 1);
    const atJ = swapped.get(j) ?? j;
    const atPos = swapped.get(pos) ?? pos;
    swapped.set(j, atPos);
    swapped.set(pos, atJ);
    out[m - 1 - i] = atJ;
  }
  return out;
}
