/**
 * The parts of tfjs-backend-wasm's `BackendWasm` our kernels reach into, typed narrowly, plus
 * helpers for intermediates and zero-copy views into the wasm heap.
 *
 * Why views: the wasm backend's fast matmul (XNNPACK fully-connected) only runs on a whole tensor
 * of batch 1. A view registers a slice of an existing heap buffer as its own tensor id, so each
 * batch of a batched matmul (or each chunk of a big one) can go through the fast path with no copy.
 */
import type {
  DataType,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { BackendError } from '../../errors.js';

interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

export interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, ret: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: { disposeData(id: number): void };
}

/** What we use of `BackendWasm` (its public class, but not exported in a typed way we can import). */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: {
    get(dataId: object): WasmTensorData;
    has(dataId: object): boolean;
    delete(dataId: object): boolean;
  };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Kernel function signature with our backend type. */
export type WasmKernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

export function asWasm(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

/** A Float32Array over a tensor's heap memory. Re-take it after any allocation: the heap may grow. */
export function f32(backend: WasmBackend, t: TensorInfo): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId);
  return new Float32Array(backend.wasm.HEAPU8.buffer, memoryOffset, sizeOf(t.shape));
}

/** A typed array of the tensor's own dtype over its heap memory. */
export function typed(backend: WasmBackend, t: TensorInfo): Float32Array | Int32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId);
  const buf = backend.wasm.HEAPU8.buffer;
  if (t.dtype === 'float32') return new Float32Array(buf, memoryOffset, sizeOf(t.shape));
  if (t.dtype === 'int32') return new Int32Array(buf, memoryOffset, sizeOf(t.shape));
  throw new BackendError(
    `wasm kernels: dtype ${t.dtype} is not supported here; expected float32 or int32`,
  );
}

export function heapId(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).id;
}

/**
 * Registers `shape` float32 elements starting `elementOffset` elements into `base` as a tensor of
 * its own. Must be released with `disposeView`, never `disposeData` (which would free the base).
 */
export function makeView(
  backend: WasmBackend,
  base: TensorInfo,
  elementOffset: number,
  shape: number[],
): TensorInfo {
  const { memoryOffset } = backend.dataIdMap.get(base.dataId);
  return backend.makeOutput(shape, base.dtype, memoryOffset + elementOffset * 4);
}

export function disposeView(backend: WasmBackend, view: TensorInfo): void {
  const { id } = backend.dataIdMap.get(view.dataId);
  // Drops the C++ tensor record (and any XNNPACK operator cached on it) but not the memory.
  backend.wasm.tfjs.disposeData(id);
  backend.dataIdMap.delete(view.dataId);
}

/** Frees intermediates made inside a kernel (each was created or incRef'd by us). */
export function release(backend: WasmBackend, ...infos: (TensorInfo | null | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

const stockKernels = new Map<string, KernelFunc>();

/** Remembers an upstream kernel we replace, so ours can still delegate cases to it. */
export function setStockKernel(name: string, kernel: KernelFunc): void {
  stockKernels.set(name, kernel);
}

/** Runs the upstream kernel `name` replaced by ours. */
export function runStock(name: string, args: WasmKernelArgs): TensorInfo | TensorInfo[] {
  const kernel = stockKernels.get(name);
  if (!kernel) throw new BackendError(`wasm kernels: the stock ${name} kernel was not captured`);
  return kernel({ inputs: args.inputs, backend: args.backend as never, attrs: args.attrs ?? {} });
}

/** Runs another wasm kernel by name (Transpose, Reshape, Conv2D, ...). */
export function runKernel(
  name: string,
  backend: WasmBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new BackendError(`wasm kernels: the wasm backend has no ${name} kernel`);
  return (kernel.kernelFunc as KernelFunc)({
    inputs,
    backend: backend as never,
    attrs,
  }) as TensorInfo;
}

export function reshape(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return runKernel('Reshape', backend, { x }, { shape });
}

export function transpose(backend: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return runKernel('Transpose', backend, { x }, { perm });
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
