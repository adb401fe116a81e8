/**
 * Kernels that replace a chain of TF.js ops: the Adam update (src/backend/fused-adam.ts,
 * native/adam.cc) and ReLU's gradient (src/backend/relu-grad.ts, native/elementwise.cc).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { FUSED_ADAM } from '../fused-adam.js';
import { RELU_GRAD, registerReluGradient } from '../relu-grad.js';
import type { NativeAddon } from './addon.js';
import { BACKEND_NAME, f32, output, type KernelArgs } from './kernel-util.js';

function floats(args: KernelArgs, kernel: string, name: string): Float32Array {
  const t = args.inputs[name];
  const values = t ? f32(args.backend, t) : null;
  if (!t || !values) {
    throw new Error(`${kernel}: ${name} must be a float32 tensor, found ${t?.dtype ?? 'none'}`);
  }
  return values;
}

function adamUpdate(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const [p, m, v, g] = (['p', 'm', 'v', 'g'] as const).map((name) =>
    floats(args, 'fused Adam', name),
  ) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const shape = [...args.inputs['p']!.shape];
  const outs = [0, 1, 2].map(() => args.backend.allocFloat32(p.length)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  addon.adamUpdate(p, m, v, g, ...outs, args.attrs['constants'] as number[]);
  return outs.map((values) => output(args.backend, shape, values));
}

function reluGrad(args: KernelArgs, addon: NativeAddon): TensorInfo {
  const dy = floats(args, 'ReLU gradient', 'dy');
  const x = floats(args, 'ReLU gradient', 'x');
  const out = args.backend.allocFloat32(dy.length);
  addon.reluGrad(dy, x, out);
  return output(args.backend, [...args.inputs['dy']!.shape], out);
}

function register(
  name: string,
  addon: NativeAddon,
  body: (args: KernelArgs, addon: NativeAddon) => TensorInfo | TensorInfo[],
): void {
  if (tf.getKernel(name, BACKEND_NAME)) tf.unregisterKernel(name, BACKEND_NAME);
  const kernelFunc = ((args: KernelArgs) => body(args, addon)) as unknown as KernelFunc;
  const config: KernelConfig = { kernelName: name, backendName: BACKEND_NAME, kernelFunc };
  tf.registerKernel(config);
}

export function registerFusedKernels(addon: NativeAddon): void {
  // An addon built before these kernels existed: the ops run unfused.
  if (typeof addon.adamUpdate === 'function') register(FUSED_ADAM, addon, adamUpdate);
  if (typeof addon.reluGrad === 'function') {
    register(RELU_GRAD, addon, reluGrad);
    registerReluGradient();
  }
}
