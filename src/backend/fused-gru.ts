/**
 * A whole-sequence GRU as one TF.js kernel with its own gradient, for backends that register it
 * (today only `native`, over oneDNN's LBR GRU: src/backend/native/kernels-gru.ts). Other backends
 * run the step-by-step GRU in src/nn/gru.ts.
 *
 * The kernel has a second, hidden output: the workspace oneDNN's forward fills (gates and states
 * per step) and its backward reads. The tape saves it for the gradient; the op drops its own
 * handle at once, so it is freed when backprop ends (or immediately when no tape records).
 */
import { ShapeError } from '../errors.js';
import { tf, type Tensor } from './tf.js';

export const FUSED_GRU = 'GimFusedGru';
export const FUSED_GRU_GRAD = 'GimFusedGruGrad';
/** The kernel's inputs, in the order the addon takes them and the gradient kernel returns them. */
export const GRU_INPUTS = ['x', 'h0', 'weightIh', 'weightHh', 'biasIh', 'biasHh'] as const;

/** PyTorch-order (r, z, n) parameters, transposed: weightIh [I, 3H], weightHh [H, 3H], biases [3H]. */
export interface GruParams {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor;
  readonly biasHh: Tensor;
}

/** Whether the active backend has the fused kernel. */
export function fusedGruAvailable(): boolean {
  return tf.getKernel(FUSED_GRU, tf.getBackend()) !== undefined;
}

function expectShape(name: string, t: Tensor, want: number[]): void {
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      `fused GRU: ${name}: expected [${want.join(', ')}], found [${t.shape.join(', ')}]`,
    );
  }
}

/** x [B, T, I] batch-first, h0 [B, H] → every hidden state [B, T, H]. */
export function fusedGru(x: Tensor, h0: Tensor, params: GruParams): Tensor {
  if (x.rank !== 3 || h0.rank !== 2) {
    throw new ShapeError(
      `fused GRU: expected x [B, T, I] and h0 [B, H], found [${x.shape.join(', ')}] and [${h0.shape.join(', ')}]`,
    );
  }
  const [batch, , features] = x.shape as [number, number, number];
  const hidden = h0.shape[1]!;
  expectShape('h0', h0, [batch, hidden]);
  expectShape('weightIh', params.weightIh, [features, 3 * hidden]);
  expectShape('weightHh', params.weightHh, [hidden, 3 * hidden]);
  expectShape('biasIh', params.biasIh, [3 * hidden]);
  expectShape('biasHh', params.biasHh, [3 * hidden]);
  const [y, workspace] = tf.engine().runKernel(FUSED_GRU, {
    x,
    h0,
    weightIh: params.weightIh,
    weightHh: params.weightHh,
    biasIh: params.biasIh,
    biasHh: params.biasHh,
  }) as [Tensor, Tensor];
  workspace.dispose();
  return y;
}
