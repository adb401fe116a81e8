/**
 * InfoNCE for sequences (CPC, Oord et al. 2018; GIM, Löwe et al. 2019, eq. 1–3).
 *
 * From the context c_t a bias-free predictor gives W_k·c_t for k = 1..K; the score of a target
 * z is the bilinear form z · W_k c_t. Each positive z_{t+k} competes with N negatives:
 *   L_k = −mean_t log( exp(z_{t+k}·W_k c_t) / Σ_{z' ∈ {z_{t+k}} ∪ negatives} exp(z'·W_k c_t) )
 * and the loss is the mean of L_k over k, exactly the reference normalisation (sum over the
 * B·(Lw−k) positions divided by their count, then divided by K).
 *
 * Shapes: z [B, L, C] targets (full length), c [B, L, D] contexts, W [D, K·C].
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { ShapeError } from '../errors.js';
import { BaseModule } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { drawNegatives, type InfoNceDraw, type NegativeSampling } from './negatives.js';

export interface InfoNceConfig {
  /** K: how many steps ahead each context predicts. */
  readonly predictionSteps: number;
  /** N: negatives per positive. */
  readonly negativeSamples: number;
  /** How negatives are drawn (reference `--sampling_method` 1, 0, 2). */
  readonly sampling: NegativeSampling;
  /** Score positives only in a random window of this many steps (reference `--subsample`: 128); 0 = off. */
  readonly subsampleWindow: number;
}

export interface InfoNceResult {
  /** Mean loss over positions then over k. */
  readonly loss: Scalar;
  /** Fraction of predictions whose positive scores strictly above all N negatives (ties miss), averaged over k (no gradient). */
  readonly accuracy: Scalar;
}

/** Owns the predictor weights W_1..W_K of one module (used only for training). */
export class SequenceInfoNce extends BaseModule {
  readonly predictor: Linear;

  constructor(
    readonly contextChannels: number,
    readonly targetChannels: number,
    readonly config: InfoNceConfig,
    rng: Rng,
  ) {
    super();
    this.predictor = this.registerChild(
      'predictor',
      new Linear(contextChannels, targetChannels * config.predictionSteps, rng, { bias: false }),
    );
  }

  /** Draws negatives from `rng` and computes the loss. */
  compute(z: Tensor, c: Tensor, rng: Rng): InfoNceResult {
    const [batch, length] = z.shape as [number, number, number];
    checkShapes(z, c, this.config.predictionSteps, this.config.subsampleWindow);
    const draw = drawNegatives(
      {
        batch,
        length,
        predictionSteps: this.config.predictionSteps,
        negativeSamples: this.config.negativeSamples,
        subsampleWindow: this.config.subsampleWindow,
      },
      this.config.sampling,
      rng,
    );
    return infoNceWithDraw(
      z,
      c,
      this.predictor.weight,
      this.config.predictionSteps,
      this.config.negativeSamples,
      draw,
    );
  }
}

/** Validates shapes; K must leave at least one positive position. */
export function checkShapes(z: Tensor, c: Tensor, K: number, subsampleWindow: number): void {
  if (z.rank !== 3 || c.rank !== 3 || z.shape[0] !== c.shape[0] || z.shape[1] !== c.shape[1]) {
    throw new ShapeError(
      `InfoNCE: expected z [B, L, C] and c [B, L, D] with equal B and L, found z [${z.shape}] and c [${c.shape}]`,
    );
  }
  const L = z.shape[1]!;
  const Lw = subsampleWindow > 0 ? Math.min(L, subsampleWindow) : L;
  if (K >= Lw) {
    throw new ShapeError(
      `InfoNCE: predictionSteps K = ${K} needs a sequence longer than K, but the scored window has ${Lw} steps`,
    );
  }
}

/**
 * Row indices that line every (step k, positive) pair up on one grid of R1 = B·(Lw−1) rows × K
 * steps, the reference's alignment: step k's R_k = B·(Lw−k) positives sit in the last R_k rows
 * (that is how its negatives, the tail of each permutation, are aligned). Rows above are padding,
 * masked out of the loss. Built in JS once per call; all tensor work is then vectorised over k.
 */
interface StepGrid {
  /** [R1·K] row of W_k c_t in the predictions reshaped to [B·Lw·K, C]. */
  readonly predRow: Int32Array;
  /** [R1·K] row of the positive z_{t+k} in z reshaped to [B·L, C]. */
  readonly posRow: Int32Array;
  /** [R1·K] 1/R_k on valid cells, 0 on padding: sums to 1 per k. */
  readonly weight: Float32Array;
  /** [R1·K·N] negative rows of z [B·L, C] per cell (only for draws that are not nested). */
  readonly negRow: Int32Array | null;
  /**
   * [R1·K·N] 1 where a drawn negative is the positive's own row: its score equals the positive's,
   * so the accuracy leaves it out (a tie with itself is neither a hit nor a miss).
   */
  readonly selfNegative: Uint8Array;
}

function stepGrid(B: number, L: number, K: number, N: number, draw: InfoNceDraw): StepGrid {
  const { windowStart: s, windowLength: Lw } = draw;
  const R1 = B * (Lw - 1);
  const predRow = new Int32Array(R1 * K);
  const posRow = new Int32Array(R1 * K);
  const weight = new Float32Array(R1 * K);
  const negRow = draw.nested ? null : new Int32Array(R1 * K * N);
  const selfNegative = new Uint8Array(R1 * K * N);
  for (let k = 1; k <= K; k++) {
    const steps = Lw - k;
    const R = B * steps;
    const offset = R1 - R;
    const idx = draw.negatives[k - 1]!;
    for (let r = 0; r < R; r++) {
      const b = Math.floor(r / steps);
      const t = r % steps;
      const cell = (offset + r) * K + (k - 1);
      predRow[cell] = (b * Lw + t) * K + (k - 1);
      posRow[cell] = b * L + s + t + k;
      weight[cell] = 1 / R;
      if (negRow) {
        for (let n = 0; n < N; n++) {
          const v = idx[r * N + n]!;
          // 'step' draws index step k's positives; map them to rows of the full z.
          negRow[cell * N + n] =
            draw.source === 'full' ? v : Math.floor(v / steps) * L + s + (v % steps) + k;
          selfNegative[cell * N + n] = negRow[cell * N + n] === posRow[cell] ? 1 : 0;
        }
      } else {
        // Nested: row offset + r of step 1's negatives serves this cell (see infoNceWithDraw).
        const rows = draw.negatives[0]!;
        for (let n = 0; n < N; n++)
          selfNegative[cell * N + n] = rows[(offset + r) * N + n] === posRow[cell] ? 1 : 0;
      }
    }
  }
  return { predRow, posRow, weight, negRow, selfNegative };
}

/** The loss for a given draw (window + negative indices). Exposed for tests. */
export function infoNceWithDraw(
  z: Tensor,
  c: Tensor,
  weight: Tensor,
  K: number,
  N: number,
  draw: InfoNceDraw,
): InfoNceResult {
  const [B, L, C] = z.shape as [number, number, number];
  const grid = stepGrid(B, L, K, N, draw);
  return tf.tidy(() => {
    const D = c.shape[2]!;
    const { windowStart: s, windowLength: Lw } = draw;
    const R1 = B * (Lw - 1);
    const cWin = Lw === L ? c : c.slice([0, s, 0], [B, Lw, D]); // [B, Lw, D]
    const wc = tf.matMul(cWin.reshape([B * Lw, D]), weight).reshape([B * Lw * K, C]); // W_k c_t for all k: [B·Lw·K, C]
    const zFlat = z.reshape([B * L, C]); // [B·L, C]
    const pred = tf.gather(wc, tf.tensor1d(grid.predRow, 'int32')).reshape([R1, K, C]); // [R1, K, C]
    const pos = tf.gather(zFlat, tf.tensor1d(grid.posRow, 'int32')).reshape([R1, K, C]); // [R1, K, C]
    const posScore = tf.sum(tf.mul(pred, pos), 2).reshape([R1, K, 1]); // [R1, K, 1]
    let negScore: Tensor; // [R1, K, N]
    if (draw.nested) {
      // Batch-permutation: one gather of step 1's negatives serves every k (step k's are a suffix,
      // already aligned to the last R_k rows), scored for all k by one batched product.
      const neg = tf.gather(zFlat, tf.tensor1d(draw.negatives[0]!, 'int32')).reshape([R1, N, C]); // [R1, N, C]
      negScore = tf.matMul(pred, neg, false, true); // [R1, K, C]·[R1, N, C]ᵀ → [R1, K, N]
    } else {
      const neg = tf.gather(zFlat, tf.tensor1d(grid.negRow!, 'int32')).reshape([R1 * K, N, C]); // [R1·K, N, C]
      negScore = tf.matMul(neg, pred.reshape([R1 * K, C, 1])).reshape([R1, K, N]); // [R1, K, N]
    }
    const scores = tf.concat([posScore, negScore], 2); // [R1, K, 1+N], positive at index 0
    const logProb0 = tf.logSoftmax(scores).slice([0, 0, 0], [R1, K, 1]).reshape([R1, K]); // stable log-softmax
    const cellWeight = tf.tensor2d(grid.weight, [R1, K]); // 1/R_k on valid cells
    const loss = tf.div(tf.neg(tf.sum(tf.mul(logProb0, cellWeight))), K) as Scalar;
    // A hit only when the positive beats every negative strictly: argMax would return index 0 on
    // a tie, so a collapsed encoder (all scores equal) would read as perfectly accurate.
    const self = tf.tensor3d(grid.selfNegative, [R1, K, N], 'bool'); // [R1, K, N]
    const others = tf.where(self, tf.fill([R1, K, N], -Infinity), negScore); // [R1, K, N]
    const correct = tf.greater(posScore.reshape([R1, K]), tf.max(others, 2)).toFloat(); // [R1, K]
    const accuracy = tf.div(tf.sum(tf.mul(correct, cellWeight)), K) as Scalar;
    return { loss, accuracy };
  });
}
