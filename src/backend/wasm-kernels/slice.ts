/**
 * Slice, SplitV and Unpack for the wasm backend without the whole-input copy.
 *
 * The stock Slice starts with `readSync(x)`, which copies all of x out of the heap to take one
 * piece of it; SplitV and Unpack call it once per output. Unstacking T time steps (the GRU) or
 * splitting gates therefore costs O(T·size(x)). Here each piece is copied straight from a heap
 * view, in runs as long as the slice allows.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import { asWasm, runStock, sizeOf, typed, type WasmBackend, type WasmKernelArgs } from './heap.js';

/** x[begin : begin+size] (size −1 = to the end), copied from the heap. */
export function sliceHeap(
  wb: WasmBackend,
  x: TensorInfo,
  begin: number | number[],
  size: number | number[],
): TensorInfo {
  const [b, s] = tf.slice_util.parseSliceParams(x as never, begin, size);
  const out = wb.makeOutput(s, x.dtype);
  const total = sizeOf(s);
  if (total === 0) return out;
  // Views after the allocation above, which may have grown (moved) the heap.
  const src = typed(wb, x);
  const dst = typed(wb, out);
  const shape = x.shape;
  const rank = shape.length;
  // Trailing axes taken whole merge with the first partial one into one contiguous run.
  let run = 1;
  let d = rank - 1;
  while (d >= 0) {
    run *= s[d]!;
    if (s[d] !== shape[d]) break;
    d--;
  }
  const outer = d; // axes [0, outer) are iterated; axis `outer` and after are inside `run`
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i]!;
  }
  let base = 0;
  for (let i = 0; i < rank; i++) base += b[i]! * strides[i]!;
  if (outer <= 0) {
    dst.set(src.subarray(base, base + run));
    return out;
  }
  const index = new Array<number>(outer).fill(0);
  for (let o = 0; o < total; o += run) {
    let from = base;
    for (let i = 0; i < outer; i++) from += index[i]! * strides[i]!;
    dst.set(src.subarray(from, from + run), o);
    for (let i = outer - 1; i >= 0; i--) {
      if (++index[i]! < s[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

const heapTypes = new Set(['float32', 'int32']);

export function sliceKernel(args: WasmKernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  if (!heapTypes.has(x.dtype)) return runStock('Slice', args) as TensorInfo;
  const { begin, size } = args.attrs as unknown as {
    begin: number | number[];
    size: number | number[];
  };
  return sliceHeap(asWasm(args.backend), x, begin, size);
}

export function splitVKernel(args: WasmKernelArgs): TensorInfo[] {
  const { x } = args.inputs as { x: TensorInfo };
  if (!heapTypes.has(x.dtype)) return runStock('SplitV', args) as TensorInfo[];
  const { numOrSizeSplits, axis } = args.attrs as unknown as {
    numOrSizeSplits: number | number[];
    axis: number;
  };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as never, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((piece) => {
    const size = [...x.shape];
    size[ax] = piece;
    const out = sliceHeap(asWasm(args.backend), x, begin, size);
    begin[ax]! += piece;
    return out;
  });
}

export function unpackKernel(args: WasmKernelArgs): TensorInfo[] {
  const { value } = args.inputs as { value: TensorInfo };
  if (!heapTypes.has(value.dtype)) return runStock('Unpack', args) as TensorInfo[];
  let { axis } = args.attrs as unknown as { axis: number };
  const rank = value.shape.length;
  if (axis < 0) axis += rank;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const begin = new Array<number>(rank).fill(0);
  const size = [...value.shape];
  size[axis] = 1;
  const outs: TensorInfo[] = [];
  for (let i = 0; i < value.shape[axis]!; i++) {
    begin[axis] = i;
    const piece = sliceHeap(asWasm(args.backend), value, begin, size);
    outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape }); // drop the unit axis
  }
  return outs;
}
