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
  /** Top-1 accuracy of the positive among 1+N, averaged over k (no gradient). */
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
    return infoNceWithDraw(z, c, this.predictor.weight, this.config.predictionSteps, this.config.negativeSamples, draw);
  }
}

/** Validates shapes; K must leave at least one positive position. */
export function checkShapes(z: Tensor, c: Tensor, K: number, subsampleWindow: number): void {
  if (z.rank !== 3 || c.rank !== 3 || z.shape[0] !== c.shape[0] || z.shape[1] !== c.shape[1]) {
    throw new ShapeError(`InfoNCE: expected z [B, L, C] and c [B, L, D] with equal B and L, found z [${z.shape}] and c [${c.shape}]`);
  }
  const L = z.shape[1]!;
  const Lw = subsampleWindow > 0 ? Math.min(L, subsampleWindow) : L;
  if (K >= Lw) {
    throw new ShapeError(`InfoNCE: predictionSteps K = ${K} needs a sequence longer than K, but the scored window has ${Lw} steps`);
  }
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
  return tf.tidy(() => {
    const [B, L, C] = z.shape as [number, number, number];
    const D = c.shape[2]!;
    const { windowStart: s, windowLength: Lw } = draw;
    const zWin = Lw === L ? z : z.slice([0, s, 0], [B, Lw, C]); // [B, Lw, C]
    const cWin = Lw === L ? c : c.slice([0, s, 0], [B, Lw, D]); // [B, Lw, D]
    const wc = tf.matMul(cWin.reshape([B * Lw, D]), weight).reshape([B, Lw, K, C]); // [B, Lw, K, C]
    const zFlat = z.reshape([B * L, C]); // [B·L, C]
    // Nested draws (batch-permutation): gather step 1's negatives once; step k is a suffix of them.
    const R1 = B * (Lw - 1);
    const shared = draw.nested ? tf.gather(zFlat, tf.tensor1d(draw.negatives[0]!, 'int32')).reshape([R1, N, C]) : null; // [R1, N, C]
    const losses: Tensor[] = [];
    const accuracies: Tensor[] = [];
    for (let k = 1; k <= K; k++) {
      const R = B * (Lw - k);
      const pred = wc.slice([0, 0, k - 1, 0], [B, Lw - k, 1, C]).reshape([R, 1, C]); // W_k c_t: [R, 1, C]
      const pos = zWin.slice([0, k, 0], [B, Lw - k, C]).reshape([R, 1, C]); // z_{t+k}: [R, 1, C]
      let neg: Tensor; // [R, N, C]
      if (shared) {
        neg = R === R1 ? shared : shared.slice([R1 - R, 0, 0], [R, N, C]);
      } else {
        const source = draw.source === 'full' ? zFlat : pos.reshape([R, C]);
        neg = tf.gather(source, tf.tensor1d(draw.negatives[k - 1]!, 'int32')).reshape([R, N, C]);
      }
      // Scores by multiply-and-sum over C (cheaper on every backend than R tiny batched matmuls).
      const posScore = tf.sum(tf.mul(pos, pred), 2); // [R, 1]
      const negScore = tf.sum(tf.mul(neg, pred), 2); // [R, N]
      const scores = tf.concat([posScore, negScore], 1); // [R, 1+N], positive at index 0
      const logProb = tf.logSoftmax(scores); // stable: subtracts the row max
      losses.push(tf.neg(tf.mean(logProb.slice([0, 0], [R, 1]))));
      accuracies.push(tf.mean(tf.equal(tf.argMax(scores, 1), 0).toFloat()));
    }
    const loss = tf.div(tf.addN(losses), K) as Scalar;
    const accuracy = tf.div(tf.addN(accuracies), K) as Scalar;
    return { loss, accuracy };
  });
}
