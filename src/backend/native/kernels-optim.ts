/** The fused Adam update (src/backend/fused-adam.ts) on the native backend: native/adam.cc. */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { FUSED_ADAM } from '../fused-adam.js';
import type { NativeAddon } from './addon.js';
import { BACKEND_NAME, f32, output, type KernelArgs } from './kernel-util.js';

function adamUpdate({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const arrays = (['p', 'm', 'v', 'g'] as const).map((name) => {
    const t = inputs[name];
    const values = t ? f32(backend, t) : null;
    if (!t || !values) {
      throw new Error(`fused Adam: ${name} must be a float32 tensor, found ${t?.dtype ?? 'none'}`);
    }
    return values;
  }) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [p, m, v, g] = arrays;
  const shape = [...inputs['p']!.shape];
  const outs = [0, 1, 2].map(() => backend.allocFloat32(p.length)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  addon.adamUpdate(p, m, v, g, ...outs, attrs['constants'] as number[]);
  return outs.map((values) => output(backend, shape, values));
}

export function registerOptimKernels(addon: NativeAddon): void {
  // An addon built before native/adam.cc existed: Adam runs as separate ops.
  if (typeof addon.adamUpdate !== 'function') return;
  if (tf.getKernel(FUSED_ADAM, BACKEND_NAME)) tf.unregisterKernel(FUSED_ADAM, BACKEND_NAME);
  const kernelFunc = ((args: KernelArgs) => adamUpdate(args, addon)) as unknown as KernelFunc;
  const config: KernelConfig = { kernelName: FUSED_ADAM, backendName: BACKEND_NAME, kernelFunc };
  tf.registerKernel(config);
}
