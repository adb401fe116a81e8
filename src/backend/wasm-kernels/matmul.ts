/**
 * BatchMatMul for the wasm backend that always reaches XNNPACK.
 *
 * The stock kernel uses XNNPACK's fully-connected operator only for a plain [1,M,K]x[1,K,N]
 * product; any transpose or batch > 1 falls into a scalar blocked loop (~1 GFLOP/s), which is
 * every backward matmul and every batched InfoNCE score. Here transposed operands are
 * materialised with the Transpose kernel (O(size), cheap next to the O(MKN) product), and a batch
 * is either folded into the row dimension (when the right operand is shared) or run as one
 * fast product per batch on heap views. Broadcasting of the batch dimensions is kept.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { ShapeError } from '../../errors.js';
import { smallBatchedProduct } from './small-matmul.js';
import {
  asWasm,
  disposeView,
  heapId,
  makeView,
  release,
  reshape,
  runStock,
  sizeOf,
  transpose,
  type WasmBackend,
  type WasmKernelArgs,
} from './heap.js';

type CBatchMatMul = (...args: unknown[]) => void;

/**
 * Below this many multiply-adds per batch, creating an XNNPACK operator (it packs the right
 * operand, ~0.1 ms) costs more than the product, so same-batch tiny products run on our SIMD
 * loops (small-matmul.ts) or, for layouts those do not cover, the stock scalar loop; both handle
 * transposes in place. Measured: [128,10,64]x[128,64,1] 0.4 ms stock
 * vs 10 ms per-batch XNNPACK; [12,64,64]x[12,64,10] 0.9 ms stock vs 0.3 ms XNNPACK.
 */
const SMALL_PRODUCT_MACS = 16384;
const cFunctions = new WeakMap<object, CBatchMatMul>();

/** The backend's C entry point; it writes into any tensor id we pass, including views. */
function cBatchMatMul(backend: WasmBackend): CBatchMatMul {
  let fn = cFunctions.get(backend);
  if (!fn) {
    const types = [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ];
    fn = backend.wasm.cwrap('BatchMatMul', null, types);
    cFunctions.set(backend, fn);
  }
  return fn;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** out = a·b for a [1,rows,inner] and b [1,inner,cols] given as tensor ids (XNNPACK path). */
export function fastProduct(
  backend: WasmBackend,
  aId: number,
  bId: number,
  outId: number,
  rows: number,
  inner: number,
  cols: number,
): void {
  cBatchMatMul(backend)(
    aId,
    shapeBytes([1, rows, inner]),
    3,
    bId,
    shapeBytes([1, inner, cols]),
    3,
    0,
    0,
    outId,
  );
}

/** Flat batch index of each output batch in an operand whose batch dims broadcast to `outDims`. */
function broadcastIndex(dims: number[], outDims: number[]): number[] {
  const rankPad = outDims.length - dims.length;
  const total = sizeOf(outDims);
  const index = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    let rem = i;
    let flat = 0;
    let stride = 1;
    for (let d = outDims.length - 1; d >= 0; d--) {
      const coord = rem % outDims[d]!;
      rem = Math.floor(rem / outDims[d]!);
      const size = d >= rankPad ? dims[d - rankPad]! : 1;
      flat += (size === 1 ? 0 : coord) * stride;
      stride *= size;
    }
    index[i] = flat;
  }
  return index;
}

/**
 * A [batch, from0, from1] operand as contiguous [batch, to0, to1]: a reshape when no transpose is
 * needed, otherwise a batched transpose. Either way the caller releases the result.
 */
function asRowMajor(
  backend: WasmBackend,
  x: TensorInfo,
  batch: number,
  d0: number,
  d1: number,
  flip: boolean,
): TensorInfo {
  const x3 = reshape(backend, x, [batch, d0, d1]); // [batch, d0, d1]
  if (!flip) return x3;
  const t = transpose(backend, x3, [0, 2, 1]); // [batch, d1, d0]
  release(backend, x3);
  return t;
}

/** C = op(A)·op(B) with BatchMatMul's semantics (rank ≥ 2, broadcast batch dims). */
export function wasmBatchMatMul(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const M = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const K = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const N = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  if (K !== kB) {
    throw new ShapeError(
      `BatchMatMul: inner dimensions differ: a ${JSON.stringify(a.shape)} (transposeA=${transposeA}) has ${K}, ` +
        `b ${JSON.stringify(b.shape)} (transposeB=${transposeB}) has ${kB}`,
    );
  }
  const aDims = a.shape.slice(0, -2);
  const bDims = b.shape.slice(0, -2);
  const outDims = tf.broadcast_util.assertAndGetBroadcastShape(aDims, bDims);
  const outShape = [...outDims, M, N];
  const bA = sizeOf(aDims);
  const bB = sizeOf(bDims);
  const bOut = sizeOf(outDims);

  if (a.dtype !== 'float32' || b.dtype !== 'float32' || bOut * M * N === 0 || K === 0) {
    return stock(backend, a, b, transposeA, transposeB);
  }
  const sameBatch = aDims.length === bDims.length && aDims.every((d, i) => d === bDims[i]);
  if (sameBatch && M * K * N < SMALL_PRODUCT_MACS) {
    // The InfoNCE scores: many tiny products, on our SIMD loops where their layout allows.
    const product = smallBatchedProduct(backend, a, b, bOut, M, K, N, transposeA, transposeB); // [bOut, M, N]
    if (!product) return stock(backend, a, b, transposeA, transposeB);
    const out = reshape(backend, product, outShape); // [...outDims, M, N]
    release(backend, product);
    return out;
  }
  if (!transposeA && !transposeB && bA === 1 && bB === 1) {
    // Exactly the stock fast path; it also caches the packed weights on b's id across calls.
    return stock(backend, a, b, false, false);
  }

  // Either C = op(A)·op(B) ("direct") or Cᵀ = op(B)ᵀ·op(A)ᵀ then one transpose ("swapped").
  // Pick the one that moves fewer elements: transposes, plus XNNPACK's packing of the right operand.
  const direct = (transposeA ? bA * M * K : 0) + (transposeB ? bB * K * N : 0) + bB * K * N;
  const swapped =
    (transposeA ? 0 : bA * M * K) + (transposeB ? 0 : bB * K * N) + bOut * M * N + bA * K * M;
  const swap = swapped < direct;

  const left = swap
    ? asRowMajor(backend, b, bB, transposeB ? N : K, transposeB ? K : N, !transposeB) // [bB, N, K]
    : asRowMajor(backend, a, bA, transposeA ? K : M, transposeA ? M : K, transposeA); // [bA, M, K]
  const right = swap
    ? asRowMajor(backend, a, bA, transposeA ? K : M, transposeA ? M : K, !transposeA) // [bA, K, M]
    : asRowMajor(backend, b, bB, transposeB ? N : K, transposeB ? K : N, transposeB); // [bB, K, N]
  const leftIndex = broadcastIndex(swap ? bDims : aDims, outDims);
  const rightIndex = broadcastIndex(swap ? aDims : bDims, outDims);
  const [rows, cols] = swap ? [N, M] : [M, N];

  const product = batchedProduct(backend, left, right, leftIndex, rightIndex, rows, K, cols);
  release(backend, left, right);

  let result = product; // [bOut, rows, cols]
  if (swap) {
    result = transpose(backend, product, [0, 2, 1]); // [bOut, M, N]
    release(backend, product);
  }
  const out = reshape(backend, result, outShape); // [...outDims, M, N]
  release(backend, result);
  return out;
}

/** out[i] = left[leftIndex[i]] · right[rightIndex[i]], each a [rows,inner]x[inner,cols] product. */
function batchedProduct(
  backend: WasmBackend,
  left: TensorInfo,
  right: TensorInfo,
  leftIndex: number[],
  rightIndex: number[],
  rows: number,
  inner: number,
  cols: number,
): TensorInfo {
  const bOut = leftIndex.length;
  const sharedRight = rightIndex.every((r) => r === 0);
  const leftInOrder = leftIndex.every((l, i) => l === i);
  const out = backend.makeOutput([bOut, rows, cols], 'float32');
  if (sharedRight && leftInOrder) {
    // One right operand for every batch: fold the batch into the rows, one product.
    const rightView = makeView(backend, right, 0, [1, inner, cols]);
    fastProduct(
      backend,
      heapId(backend, left),
      heapId(backend, rightView),
      heapId(backend, out),
      bOut * rows,
      inner,
      cols,
    );
    disposeView(backend, rightView);
    return out;
  }
  // One product per output batch. A right operand used by several batches keeps one view, so
  // XNNPACK packs it once (its operator cache is keyed by the tensor id).
  const lastUse = new Map<number, number>();
  rightIndex.forEach((r, i) => lastUse.set(r, i));
  const rightViews = new Map<number, TensorInfo>();
  for (let i = 0; i < bOut; i++) {
    const r = rightIndex[i]!;
    let rightView = rightViews.get(r);
    if (!rightView) {
      rightView = makeView(backend, right, r * inner * cols, [1, inner, cols]);
      rightViews.set(r, rightView);
    }
    const leftView = makeView(backend, left, leftIndex[i]! * rows * inner, [1, rows, inner]);
    const outView = makeView(backend, out, i * rows * cols, [1, rows, cols]);
    fastProduct(
      backend,
      heapId(backend, leftView),
      heapId(backend, rightView),
      heapId(backend, outView),
      rows,
      inner,
      cols,
    );
    disposeView(backend, leftView);
    disposeView(backend, outView);
    // Free packed weights as soon as no later batch needs them (bounded memory for big batches).
    if (lastUse.get(r) === i) {
      disposeView(backend, rightView);
      rightViews.delete(r);
    }
  }
  return out;
}

function stock(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  return runStock('BatchMatMul', {
    inputs: { a, b },
    backend,
    attrs: { transposeA, transposeB },
  }) as TensorInfo;
}

export function batchMatMulKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = (attrs ?? {}) as {
    transposeA?: boolean;
    transposeB?: boolean;
  };
  return wasmBatchMatMul(asWasm(backend), a, b, transposeA === true, transposeB === true);
}
