/**
 * ReLU's gradient as one kernel on backends that register it (today only `native`:
 * src/backend/native/kernels-fused.ts over native/elementwise.cc). TF.js's gradient is
 * dy · step(x): a Step and a Multiply, each a full pass writing a fresh array the size of the
 * activation, which in the audio encoder's backward pass cost more than the ReLU forward.
 * Every other backend keeps TF.js's formula, and the kernel computes the same floats.
 */
import { tf, type Tensor } from './tf.js';

export const RELU_GRAD = 'GimReluGrad';

function reluGrad(dy: Tensor, x: Tensor): Tensor {
  const fused =
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    dy.size === x.size &&
    tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined;
  if (fused) return tf.engine().runKernel(RELU_GRAD, { dy, x }) as Tensor;
  return tf.mul(dy, tf.cast(tf.step(x), 'float32'));
}

/** Replaces TF.js's gradient of Relu by one that runs the fused kernel where it exists. */
export function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      return { x: () => reluGrad(dy as Tensor, x!) };
    },
  });
}
