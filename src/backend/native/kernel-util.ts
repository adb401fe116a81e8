/**
 * Shared plumbing for the native kernels: reading a tensor's typed array out of the cpu-derived
 * backend, making outputs, and falling back to the stock cpu kernel for cases we do not handle.
 */
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import type { Data32, NativeAddon } from './addon.js';
import type { NativeBackend } from './native-backend.js';

export const BACKEND_NAME = 'native';

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: NativeBackend;
  attrs: NamedAttrMap;
}

/** A kernel body: returns its outputs, or null to hand the call to the cpu kernel. */
export type NativeKernel = (
  args: KernelArgs,
  addon: NativeAddon,
) => TensorInfo | TensorInfo[] | null;

/** The values of a float32 tensor, or null when it is some other dtype. */
export function f32(backend: NativeBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** The values of a float32 or int32 tensor (the copy kernels move both), or null. */
export function data32(backend: NativeBackend, t: TensorInfo): Data32 | null {
  const v = backend.data.get(t.dataId).values;
  if (t.dtype === 'float32' && v instanceof Float32Array) return v;
  if (t.dtype === 'int32' && v instanceof Int32Array) return v;
  return null;
}

/** An output array like `like` (float32 from the backend's pool); its contents are undefined. */
export function alloc(backend: NativeBackend, like: Data32, size: number): Data32 {
  return like instanceof Float32Array ? backend.allocFloat32(size) : new Int32Array(size);
}

export function size(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function output(backend: NativeBackend, shape: number[], values: Data32): TensorInfo {
  return backend.makeTensorInfo(
    shape,
    values instanceof Float32Array ? 'float32' : 'int32',
    values,
  );
}

/** Calls another kernel of this backend (native if overridden, else cpu) from inside a kernel. */
export function callKernel(name: string, args: KernelArgs): TensorInfo | TensorInfo[] {
  const k = tf.getKernel(name, BACKEND_NAME);
  if (!k) throw new Error(`kernel ${name} is not registered for ${BACKEND_NAME}`);
  return k.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo | TensorInfo[];
}

/** Registers `body` for `name` on the native backend, falling back to the cpu kernel. */
export function override(name: string, addon: NativeAddon, body: NativeKernel): void {
  const cpu = tf.getKernel(name, 'cpu');
  if (!cpu) return;
  // Kernels called from gradient functions may come without attrs.
  const kernelFunc = ((args: KernelArgs) =>
    body({ ...args, attrs: args.attrs ?? {} }, addon) ??
    cpu.kernelFunc(args as never)) as unknown as KernelFunc;
  if (tf.getKernel(name, BACKEND_NAME)) tf.unregisterKernel(name, BACKEND_NAME);
  const config: KernelConfig = { kernelName: name, backendName: BACKEND_NAME, kernelFunc };
  tf.registerKernel(config);
}
