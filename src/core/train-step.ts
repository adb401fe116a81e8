/**
 * One training step of gradient-isolated modules: the heart of Greedy InfoMax.
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import type { Adam } from '../nn/adam.js';
import type { Module } from '../nn/module.js';

/** What the step needs from a module: its variables and a forward pass with its own loss. */
export interface IsolatedModule extends Module {
  forwardWithLoss(x: Tensor, rng: Rng): { z: Tensor; loss: Scalar; accuracy: Scalar };
}

export interface ModuleStepStats {
  readonly loss: number;
  readonly accuracy: number;
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
  const { value, grads } = tf.variableGrads(() => {
    const out = module.forwardWithLoss(input, rng);
    // A GRU-only module passes its input through as z; clone (shares data) so the caller owns z.
    z = tf.keep(out.z === input ? tf.clone(input) : out.z);
    accuracy = tf.keep(out.accuracy);
    return out.loss;
  }, module.parameters());
  optimizer.apply(grads);
  const stats = {
    loss: value.dataSync()[0]!,
    accuracy: (accuracy as unknown as Scalar).dataSync()[0]!,
  };
  tf.dispose([value, accuracy as unknown as Scalar, ...Object.values(grads)]);
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
