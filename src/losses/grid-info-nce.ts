/**
 * InfoNCE on a patch grid (GIM vision, spec §3.4; CPC for images, Hénaff/Oord).
 *
 * z, c: [B, G, G, C] grids (row, column), c = z for GIM or the PixelCNN output for CPC. For
 * k = 1..K the context at row r predicts the target at row r + k + skip (skip = 1 in the
 * reference: the adjacent row, which overlaps 50%, is skipped), same column:
 *   score(c, z') = c · (W_k z'),  W_k a bias-free C→C linear map applied to the target.
 * Each positive competes with N negatives drawn uniformly WITH REPLACEMENT from all target
 * positions of that k in the batch (every image, target row and column; the positive itself can
 * be drawn). Loss_k = −mean over (b, r, col) of log_softmax(scores)[0]; loss = mean over k.
 * The reference computes log(softmax + 1e-11); we use the stable log-softmax (differs only when a
 * probability is below ~1e-11).
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { ShapeError } from '../errors.js';
import { BaseModule } from '../nn/module.js';
import { Linear } from '../nn/linear.js';

export interface GridInfoNceConfig {
  /** K: rows ahead that each context predicts (reference 5). */
  readonly predictionSteps: number;
  /** N: negatives per positive (reference 16). */
  readonly negativeSamples: number;
}

/** Rows skipped between context and target beyond k (reference skip_step = 1). */
export const GRID_SKIP = 1;

export interface GridInfoNceResult {
  readonly loss: Scalar;
  /** Fraction of predictions whose positive scores strictly above all N negatives (ties miss), averaged over k (no gradient). */
  readonly accuracy: Scalar;
}

/** Context rows scored for step k on a grid of G rows: G − k − skip (35/7 = 5 ... 1 per column for G = 7). */
export function contextRows(gridRows: number, k: number): number {
  return gridRows - k - GRID_SKIP;
}

/**
 * Negative indices for every k: entry k−1 holds P_k·N indices in [0, P_k), P_k = rows_k·B·G,
 * the positions of the target grid for that k flattened in (row, b, col) order; the N indices of
 * the context at flat position p (same order) are entries p·N .. p·N+N−1.
 */
export function drawGridNegatives(
  batch: number,
  rows: number,
  cols: number,
  K: number,
  N: number,
  rng: Rng,
): Int32Array[] {
  const out: Int32Array[] = [];
  for (let k = 1; k <= K; k++) {
    const positions = batch * contextRows(rows, k) * cols;
    const idx = new Int32Array(positions * N);
    for (let i = 0; i < idx.length; i++) idx[i] = rng.int(positions);
    out.push(idx);
  }
  return out;
}

/** Rows of W_k z to score for each context p: p itself (the positive), then its N negatives. */
function candidateIndices(P: number, N: number, negatives: Int32Array): Int32Array {
  const idx = new Int32Array(P * (1 + N));
  for (let p = 0; p < P; p++) {
    idx[p * (1 + N)] = p;
    idx.set(negatives.subarray(p * N, (p + 1) * N), p * (1 + N) + 1);
  }
  return idx;
}

/** Owns W_1..W_K of one module (used only for training; discarded afterwards). */
export class GridInfoNce extends BaseModule {
  /** One bias-free linear C → K·C; columns (k−1)·C .. k·C−1 are W_k. */
  readonly predictor: Linear;

  constructor(
    readonly channels: number,
    readonly config: GridInfoNceConfig,
    rng: Rng,
  ) {
    super();
    this.predictor = this.registerChild(
      'predictor',
      new Linear(channels, channels * config.predictionSteps, rng, { bias: false }),
    );
  }

  /** Draws negatives from `rng` and computes the loss of targets z given contexts c. */
  compute(z: Tensor, c: Tensor, rng: Rng): GridInfoNceResult {
    const { predictionSteps: K, negativeSamples: N } = this.config;
    checkGridShapes(z, c, K);
    const [B, rows, cols] = z.shape as [number, number, number, number];
    const negatives = drawGridNegatives(B, rows, cols, K, N, rng);
    return gridInfoNceWithDraw(z, c, this.predictor.weight, K, N, negatives);
  }
}

export function checkGridShapes(z: Tensor, c: Tensor, K: number): void {
  if (z.rank !== 4 || c.rank !== 4 || z.shape.some((d, i) => d !== c.shape[i])) {
    throw new ShapeError(
      `grid InfoNCE: expected z and c of equal shape [B, G, G, C], found z [${z.shape}] and c [${c.shape}]`,
    );
  }
  if (contextRows(z.shape[1]!, K) < 1) {
    throw new ShapeError(
      `grid InfoNCE: predictionSteps K = ${K} needs a grid of at least ${K + GRID_SKIP + 1} rows, found ${z.shape[1]}`,
    );
  }
}

/** The loss for given negative indices (exposed for tests). weight: [C, K·C]. */
export function gridInfoNceWithDraw(
  z: Tensor,
  c: Tensor,
  weight: Tensor,
  K: number,
  N: number,
  negatives: readonly Int32Array[],
): GridInfoNceResult {
  return tf.tidy(() => {
    const [B, G, W, C] = z.shape as [number, number, number, number];
    // Rows first, so each k's target and context rows are contiguous slices.
    const zRows = tf.transpose(z, [1, 0, 2, 3]); // [G, B, W, C]
    const cRows = c === z ? zRows : tf.transpose(c, [1, 0, 2, 3]); // [G, B, W, C]
    const losses: Tensor[] = [];
    const accuracies: Tensor[] = [];
    for (let k = 1; k <= K; k++) {
      const rows = contextRows(G, k);
      const P = B * rows * W;
      const wk = weight.slice([0, (k - 1) * C], [C, C]); // [C, C]
      const target = zRows.slice([k + GRID_SKIP, 0, 0, 0], [rows, B, W, C]).reshape([P, C]); // [P, C], (row, b, col) order
      const ztwk = tf.matMul(target, wk); // W_k z for every target position: [P, C]
      const context = cRows.slice([0, 0, 0, 0], [rows, B, W, C]).reshape([P, C, 1]); // [P, C, 1], same order
      const idx = candidateIndices(P, N, negatives[k - 1]!); // row p: its positive, then its N negatives
      const grouped = tf.gather(ztwk, tf.tensor1d(idx, 'int32')).reshape([P, 1 + N, C]); // [P, 1+N, C]
      const scores = tf.matMul(grouped, context).reshape([P, 1 + N]); // [P, 1+N], positive at index 0
      const logProb = tf.logSoftmax(scores); // stable: subtracts the row max
      losses.push(tf.neg(tf.mean(logProb.slice([0, 0], [P, 1]))));
      // Strictly above every negative: a tie is a miss (argMax would count it as a hit). A drawn
      // negative that is the positive itself ties by construction and is left out.
      const neg = negatives[k - 1]!;
      const self = tf.tensor2d(
        Uint8Array.from(neg, (row, i) => (row === Math.floor(i / N) ? 1 : 0)),
        [P, N],
        'bool',
      ); // [P, N]
      const others = tf.where(self, tf.fill([P, N], -Infinity), scores.slice([0, 1], [P, N])); // [P, N]
      const best = tf.max(others, 1); // [P]
      accuracies.push(
        tf.mean(tf.greater(scores.slice([0, 0], [P, 1]).reshape([P]), best).toFloat()),
      );
    }
    return {
      loss: tf.div(tf.addN(losses), K) as Scalar,
      accuracy: tf.div(tf.addN(accuracies), K) as Scalar,
    };
  });
}
