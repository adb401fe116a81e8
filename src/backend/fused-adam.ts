/**
 * Adam's per-parameter update as one TF.js kernel, for backends that register it (today only
 * `native`: src/backend/native/kernels-fused.ts over native/adam.cc). src/nn/adam.ts runs the
 * same formula as TF.js ops on other backends; the kernel gives the same floats, op for op.
 */
import { ShapeError } from '../errors.js';
import { tf, type Tensor } from './tf.js';

export const FUSED_ADAM = 'GimAdamUpdate';

/** The scalars of update t: stepSize = lr / (1 − β1^t), sqrtBias2 = √(1 − β2^t). */
export interface AdamConstants {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly stepSize: number;
  readonly sqrtBias2: number;
}

/** Whether the active backend has the fused kernel. */
export function fusedAdamAvailable(): boolean {
  return tf.getKernel(FUSED_ADAM, tf.getBackend()) !== undefined;
}

/**
 * The kernel's constants, in the order native/adam.cc reads them. The unfused ops multiply by
 * float32 scalar tensors of (1 − β1) etc. computed in double, so these are the same values.
 */
export function adamConstantList(c: AdamConstants): number[] {
  return [c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c.sqrtBias2, c.epsilon, c.stepSize];
}

/** One update of parameter p with moments m, v and gradient g (all one shape) → [p', m', v']. */
export function fusedAdamUpdate(
  p: Tensor,
  m: Tensor,
  v: Tensor,
  g: Tensor,
  constants: AdamConstants,
): [Tensor, Tensor, Tensor] {
  for (const [name, t] of [
    ['m', m],
    ['v', v],
    ['g', g],
  ] as const) {
    if (t.rank !== p.rank || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new ShapeError(
        `fused Adam: ${name}: expected the parameter's shape [${p.shape.join(', ')}], found [${t.shape.join(', ')}]`,
      );
    }
  }
  return tf
    .engine()
    .runKernel(FUSED_ADAM, { p, m, v, g }, { constants: adamConstantList(constants) }) as [
    Tensor,
    Tensor,
    Tensor,
  ];
}
