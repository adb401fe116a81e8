/**
 * One training step of gradient-isolated modules: the heart of Greedy InfoMax.
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { leanVariableGrads } from '../backend/lean-grads.js';
import type { Adam } from '../nn/adam.js';
import type { Module } from '../nn/module.js';

/** What the step needs from a module: its variables and a forward pass with its own loss. */
export interface IsolatedModule extends Module {
  /**
   * z: the output for the module above. features (optional, default z): the representation the
   * loss reads and a probe would read (audio: the GRU's context c; vision: the pooled patch grid).
   * Both are watched for dead units; the step reports the larger fraction.
   */
  forwardWithLoss(
    x: Tensor,
    rng: Rng,
  ): { z: Tensor; loss: Scalar; accuracy: Scalar; features?: Tensor };
}

export interface ModuleStepStats {
  readonly loss: number;
  readonly accuracy: number;
  /**
   * Fraction of the module's feature channels that are dead this step: constant over every
   * position of the batch (a ReLU that never fires, a tanh pinned at ±1). A collapsed encoder
   * shows it before its loss does; see collapse.ts.
   */
  readonly deadFraction: number;
}

/**
 * A channel counts as dead when its standard deviation over all positions of the batch is at most
 * DEAD_RELATIVE × the largest channel's, or at most DEAD_RELATIVE × its own |mean| (a constant
 * that float rounding gives a tiny variance). Dead ReLUs and saturated tanh give exactly 0.
 */
export const DEAD_RELATIVE = 1e-5;

/** Fraction of dead channels of features [..., C] (the last axis is the channel). */
export function deadChannelFraction(features: Tensor): Scalar {
  return tf.tidy(() => {
    const C = features.shape[features.rank - 1]!;
    const flat = features.reshape([-1, C]); // [positions, C]
    const { mean, variance } = tf.moments(flat, 0); // [C] each
    const std = tf.sqrt(variance);
    const bound = tf.mul(tf.maximum(tf.max(std), tf.abs(mean)), DEAD_RELATIVE); // [C]
    return tf.mean(tf.lessEqual(std, bound).toFloat()) as Scalar;
  });
}

/**
 * Train module m on input x and return its output z for the module above.
 *
 * GRADIENT ISOLATION lives here, in two lines: (1) `input` is computed before and outside this
 * module's gradient closure, so to the tape it is a constant (the reference's `z.detach()`); and
 * (2) only this module's own variables are differentiated and updated.
 * The returned z is kept alive for the caller, who must dispose it.
 */
export function trainModuleStep(
  module: IsolatedModule,
  optimizer: Adam,
  input: Tensor,
  rng: Rng,
): { z: Tensor; stats: ModuleStepStats } {
  let z: Tensor | null = null;
  let accuracy: Scalar | null = null;
  let dead: Scalar | null = null;
  const { value, grads } = leanVariableGrads(() => {
    const out = module.forwardWithLoss(input, rng);
    // A GRU-only module passes its input through as z; clone (shares data) so the caller owns z.
    z = tf.keep(out.z === input ? tf.clone(input) : out.z);
    accuracy = tf.keep(out.accuracy);
    // Both what goes up (z) and what the loss reads (features): in CPC a live GRU keeps c varying
    // over time even when every conv below it is dead.
    dead = tf.keep(
      out.features && out.features !== out.z
        ? (tf.maximum(deadChannelFraction(out.z), deadChannelFraction(out.features)) as Scalar)
        : deadChannelFraction(out.z),
    );
    return out.loss;
  }, module.parameters());
  optimizer.apply(grads);
  const stats = {
    loss: value.dataSync()[0]!,
    accuracy: (accuracy as unknown as Scalar).dataSync()[0]!,
    deadFraction: (dead as unknown as Scalar).dataSync()[0]!,
  };
  tf.dispose([
    value,
    accuracy as unknown as Scalar,
    dead as unknown as Scalar,
    ...Object.values(grads),
  ]);
  return { z: z as unknown as Tensor, stats };
}

/**
 * Simultaneous schedule (the paper's default): one pass up the stack; each module takes a step on
 * its own loss, with the previous module's pre-update output as its input. `active[m]` false
 * runs module m forward only (no loss, no update).
 */
export function trainStackStep(
  modules: readonly IsolatedModule[],
  optimizers: readonly Adam[],
  x: Tensor,
  rng: Rng,
  active: readonly boolean[] = modules.map(() => true),
  forwardOnly?: (m: number, input: Tensor) => Tensor,
): (ModuleStepStats | null)[] {
  const stats: (ModuleStepStats | null)[] = [];
  let input = x;
  modules.forEach((module, m) => {
    let z: Tensor;
    if (active[m]) {
      const step = trainModuleStep(module, optimizers[m]!, input, rng);
      z = step.z;
      stats.push(step.stats);
    } else {
      if (!forwardOnly)
        throw new Error('trainStackStep: an inactive module needs a forwardOnly function');
      z = forwardOnly(m, input);
      stats.push(null);
    }
    if (input !== x) input.dispose();
    input = z;
  });
  if (input !== x) input.dispose();
  return stats;
}
