/**
 * Many tiny products at once, on 128-bit SIMD: the InfoNCE scores and their gradients, i.e. per
 * scored position a [K, C]·[N, C]ᵀ product with K = 12, N = 10, C = 64, a thousand positions per
 * call.
 *
 * Neither wasm path upstream fits: XNNPACK packs the right operand once per product (~0.1 ms
 * each), and the stock scalar loop runs at ~1 GMAC/s; at the demo preset these products were the
 * largest cost of a GIM step after the gather. Plain JS loops over the heap measured slower still
 * (0.2–0.4 GMAC/s here). So these run in a tiny WebAssembly module of our own (simd-module.ts)
 * that imports the wasm backend's own memory and reads and writes the tensors where they lie.
 *
 * - `dot`: C[p,i,j] = Σ_k A[p,i,k]·B[p,j,k] (B transposed: both rows contiguous), 4 lanes of
 *   partial sums added up at the end; needs K % 4 = 0.
 * - `axpy`: C[p,i,:] = Σ_k a(p,i,k)·B[p,k,:] accumulated in k order, 4 columns at a time, with
 *   a(p,i,k) read through strides (so A may be transposed); needs N % 4 = 0.
 * Both accumulate in float32, like the stock kernel; the sums are ordered differently, so
 * results agree with it (and with cpu) to rounding, not bit for bit.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './heap.js';
import { simdKernels } from './simd-module.js';

/** Whether `smallBatchedProduct` can run here (for tests and benchmarks). */
export function simdProductAvailable(backend: WasmBackend): boolean {
  return simdKernels(backend) !== null;
}

/**
 * out[p] = op(A[p])·op(B[p]) for same-batch float32 operands: A is [batch, M, K] ([batch, K, M]
 * when transposeA), B [batch, K, N] ([batch, N, K] when transposeB). Returns a new [batch, M, N]
 * tensor, or null when no SIMD form applies (the caller then uses the stock kernel).
 */
export function smallBatchedProduct(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  batch: number,
  M: number,
  K: number,
  N: number,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const useDot = transposeB && !transposeA && K % 4 === 0;
  const useAxpy = !transposeB && N % 4 === 0;
  if (!useDot && !useAxpy) return null;
  const kernels = simdKernels(backend);
  if (!kernels) return null;
  const out = backend.makeOutput([batch, M, N], 'float32'); // [batch, M, N]
  const aPtr = backend.dataIdMap.get(a.dataId).memoryOffset;
  const bPtr = backend.dataIdMap.get(b.dataId).memoryOffset;
  const cPtr = backend.dataIdMap.get(out.dataId).memoryOffset;
  if (useDot) kernels.dot(aPtr, bPtr, cPtr, batch, M, N, K);
  else kernels.axpy(aPtr, bPtr, cPtr, batch, M, N, K, transposeA ? 1 : K, transposeA ? M : 1);
  return out;
}
