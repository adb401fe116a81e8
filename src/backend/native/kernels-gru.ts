/**
 * The fused GRU kernel (src/backend/fused-gru.ts) on the native backend, over oneDNN's LBR GRU
 * (native/gru.cc), and its gradient: one kernel for the whole backward pass, reading the
 * workspace the forward left as its hidden second output.
 */
import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { FUSED_GRU, FUSED_GRU_GRAD, GRU_INPUTS } from '../fused-gru.js';
import type { NativeAddon } from './addon.js';
import { BACKEND_NAME, f32, output, type KernelArgs } from './kernel-util.js';

function floats(args: KernelArgs, name: string): Float32Array {
  const t = args.inputs[name];
  const values = t ? f32(args.backend, t) : null;
  if (!t || !values) {
    throw new Error(
      `fused GRU: input ${name} must be a float32 tensor, found ${t?.dtype ?? 'none'}`,
    );
  }
  return values;
}

/** B, T, I, H from x [B, T, I] and h0 [B, H]. */
function gruDims(args: KernelArgs): number[] {
  const [batch, steps, features] = args.inputs['x']!.shape as [number, number, number];
  return [batch, steps, features, args.inputs['h0']!.shape[1]!];
}

function forward(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { backend } = args;
  const dims = gruDims(args);
  const [batch, steps, , hidden] = dims as [number, number, number, number];
  const [x, h0, wIh, wHh, bIh, bHh] = GRU_INPUTS.map((name) => floats(args, name)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const y = backend.allocFloat32(batch * steps * hidden);
  const workspace = backend.allocFloat32(addon.gruWorkspaceLength(dims));
  addon.gruForward(x, h0, wIh, wHh, bIh, bHh, y, workspace, dims);
  return [
    output(backend, [batch, steps, hidden], y),
    output(backend, [workspace.length], workspace),
  ];
}

function backward(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { backend } = args;
  const dims = gruDims(args);
  const [batch, steps, features, hidden] = dims as [number, number, number, number];
  const [x, h0, wIh, wHh, bIh, bHh, y, workspace, dy] = [...GRU_INPUTS, 'y', 'workspace', 'dy'].map(
    (name) => floats(args, name),
  ) as Float32Array[];
  const shapes = [
    [batch, steps, features],
    [batch, hidden],
    [features, 3 * hidden],
    [hidden, 3 * hidden],
    [3 * hidden],
    [3 * hidden],
  ];
  const grads = shapes.map((s) => backend.allocFloat32(s.reduce((p, d) => p * d, 1)));
  const [dx, dh0, dWih, dWhh, dbIh, dbHh] = grads as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  addon.gruBackward(
    x!,
    h0!,
    wIh!,
    wHh!,
    bIh!,
    bHh!,
    y!,
    workspace!,
    dy!,
    dx,
    dh0,
    dWih,
    dWhh,
    dbIh,
    dbHh,
    dims,
  );
  return grads.map((g, i) => output(backend, shapes[i]!, g));
}

function register(name: string, addon: NativeAddon, body: typeof forward): void {
  if (tf.getKernel(name, BACKEND_NAME)) tf.unregisterKernel(name, BACKEND_NAME);
  const kernelFunc = ((args: KernelArgs) => body(args, addon)) as unknown as KernelFunc;
  const config: KernelConfig = { kernelName: name, backendName: BACKEND_NAME, kernelFunc };
  tf.registerKernel(config);
}

export function registerGruKernels(addon: NativeAddon): void {
  // An addon built before native/gru.cc existed: the GRU runs unfused.
  if (typeof addon.gruForward !== 'function') return;
  register(FUSED_GRU, addon, forward);
  register(FUSED_GRU_GRAD, addon, backward);
  if (tf.getGradient(FUSED_GRU)) return;
  tf.registerGradient({
    kernelName: FUSED_GRU,
    inputsToSave: [...GRU_INPUTS],
    // y and the workspace: oneDNN's backward reads both.
    outputsToSave: [true, true],
    gradFunc: (dys, saved) => {
      // The workspace's dy is zeros made by the tape: it has no gradient of its own.
      const dy = (dys as Tensor[])[0]!;
      const [x, h0, weightIh, weightHh, biasIh, biasHh, y, workspace] = saved;
      // One kernel computes all six gradients; the tape asks for them one input at a time.
      const grads = tf.engine().runKernel(FUSED_GRU_GRAD, {
        x: x!,
        h0: h0!,
        weightIh: weightIh!,
        weightHh: weightHh!,
        biasIh: biasIh!,
        biasHh: biasHh!,
        y: y!,
        workspace: workspace!,
        dy,
      }) as Tensor[];
      return Object.fromEntries(GRU_INPUTS.map((name, i) => [name, () => grads[i]!]));
    },
  });
}
