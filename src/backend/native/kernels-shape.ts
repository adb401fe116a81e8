/**
 * Data-movement kernels: transpose, tile, slice, pad, concat, pack/unpack, split, gather and
 * its gradient (unsorted segment sum). They move float32 and int32 data alike. Slices that are
 * one contiguous run stay with the cpu kernel, which returns a view without copying.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import type { NativeAddon } from './addon.js';
import { alloc, data32, f32, output, override, size, type KernelArgs } from './kernel-util.js';

function transpose({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const x = inputs['x'] as TensorInfo;
  const xv = data32(backend, x);
  if (!xv) return null;
  const perm = attrs['perm'] as number[];
  const shape = perm.map((p) => x.shape[p]!);
  // A permutation that keeps the non-unit axes in order leaves memory as it is (GatherV2's
  // gradient transposes by the identity): share the data, as the cpu Reshape kernel does.
  const order = perm.filter((p) => x.shape[p]! !== 1);
  if (order.every((p, i) => i === 0 || p > order[i - 1]!)) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype: x.dtype };
  }
  const out = alloc(backend, xv, xv.length);
  if (out.length > 0) addon.transpose(xv, x.shape, perm, out);
  return output(
    backend,
    perm.map((p) => x.shape[p]!),
    out,
  );
}

function tile({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const x = inputs['x'] as TensorInfo;
  const xv = data32(backend, x);
  const reps = attrs['reps'] as number[];
  if (!xv || x.shape.length === 0 || reps.length !== x.shape.length) return null;
  const shape = x.shape.map((d, i) => d * reps[i]!);
  const out = alloc(backend, xv, size(shape));
  if (out.length > 0) addon.tile(xv, x.shape, reps, out);
  return output(backend, shape, out);
}

function slice({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const x = inputs['x'] as TensorInfo;
  const xv = data32(backend, x);
  if (!xv) return null;
  const [begin, sliceSize] = tf.slice_util.parseSliceParams(
    x,
    attrs['begin'] as number[],
    attrs['size'] as number[],
  );
  if (tf.slice_util.isSliceContinous(x.shape, begin!, sliceSize!)) return null;
  const out = alloc(backend, xv, size(sliceSize!));
  addon.copyBox(
    xv,
    x.shape,
    begin!,
    out,
    sliceSize!,
    sliceSize!.map(() => 0),
    sliceSize!,
  );
  return output(backend, sliceSize!, out);
}

function padV2({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const x = inputs['x'] as TensorInfo;
  const xv = f32(backend, x);
  if (!xv || x.shape.length === 0) return null;
  const paddings = attrs['paddings'] as Array<[number, number]>;
  const shape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const value = attrs['constantValue'] as number;
  const out = backend.allocFloat32(size(shape), value === 0);
  if (value !== 0) out.fill(value);
  addon.copyBox(
    xv,
    x.shape,
    x.shape.map(() => 0),
    out,
    shape,
    paddings.map((p) => p[0]),
    x.shape,
  );
  return output(backend, shape, out);
}

/** Writes each input into `out` one after another along `axis` (each input given `axis` already). */
function stackAlong(
  addon: NativeAddon,
  parts: Array<{ values: Float32Array | Int32Array; shape: number[] }>,
  axis: number,
  shape: number[],
  out: Float32Array | Int32Array,
) {
  let offset = 0;
  for (const p of parts) {
    const start = shape.map((_, i) => (i === axis ? offset : 0));
    if (p.values.length > 0)
      addon.copyBox(
        p.values,
        p.shape,
        p.shape.map(() => 0),
        out,
        shape,
        start,
        p.shape,
      );
    offset += p.shape[axis]!;
  }
}

function gatherParts(backend: KernelArgs['backend'], tensors: TensorInfo[]) {
  const dtype = tensors[0]?.dtype;
  const parts = tensors.map((t) => ({ values: data32(backend, t), shape: [...t.shape] }));
  if (!dtype || parts.some((p, i) => !p.values || tensors[i]!.dtype !== dtype)) return null;
  return parts as Array<{ values: Float32Array | Int32Array; shape: number[] }>;
}

function concat({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const tensors = Object.values(inputs) as TensorInfo[];
  const parts = gatherParts(backend, tensors);
  if (!parts || tensors[0]!.shape.length === 0) return null;
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, tensors[0]!.shape)[0]!;
  const shape = tf.backend_util.computeOutShape(
    tensors.map((t) => t.shape),
    axis,
  );
  const out = alloc(backend, parts[0]!.values, size(shape));
  stackAlong(addon, parts, axis, shape, out);
  return output(backend, shape, out);
}

function pack({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const tensors = Object.values(inputs) as TensorInfo[];
  const parts = gatherParts(backend, tensors);
  if (!parts) return null;
  const rank = tensors[0]!.shape.length + 1;
  const axis =
    (attrs['axis'] as number) < 0 ? (attrs['axis'] as number) + rank : (attrs['axis'] as number);
  for (const p of parts) p.shape.splice(axis, 0, 1);
  const shape = [...parts[0]!.shape];
  shape[axis] = parts.length;
  const out = alloc(backend, parts[0]!.values, size(shape));
  stackAlong(addon, parts, axis, shape, out);
  return output(backend, shape, out);
}

/** Copies `count` pieces of `x` along `axis`, of the given lengths. */
function splitPieces(
  addon: NativeAddon,
  backend: KernelArgs['backend'],
  x: TensorInfo,
  xv: Float32Array | Int32Array,
  axis: number,
  lengths: number[],
  dropAxis: boolean,
): TensorInfo[] {
  let offset = 0;
  return lengths.map((len) => {
    const box = x.shape.map((d, i) => (i === axis ? len : d));
    const out = alloc(backend, xv, size(box));
    if (out.length > 0)
      addon.copyBox(
        xv,
        x.shape,
        x.shape.map((_, i) => (i === axis ? offset : 0)),
        out,
        box,
        box.map(() => 0),
        box,
      );
    offset += len;
    return output(backend, dropAxis ? box.filter((_, i) => i !== axis) : box, out);
  });
}

/** Splits along the leading non-unit axis are contiguous views in the cpu kernel: leave them there. */
function leadingAxis(shape: readonly number[], axis: number): boolean {
  return shape.slice(0, axis).every((d) => d === 1);
}

function unpack({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const x = inputs['value'] as TensorInfo;
  const xv = data32(backend, x);
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0]!;
  if (!xv || leadingAxis(x.shape, axis)) return null;
  return splitPieces(addon, backend, x, xv, axis, new Array<number>(x.shape[axis]!).fill(1), true);
}

function splitV({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const x = inputs['x'] as TensorInfo;
  const xv = data32(backend, x);
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0]!;
  if (!xv || leadingAxis(x.shape, axis)) return null;
  const lengths = tf.backend_util.prepareSplitSize(x, attrs['numOrSizeSplits'] as number[], axis);
  return splitPieces(addon, backend, x, xv, axis, lengths, false);
}

function gatherV2({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
  const xv = data32(backend, x);
  const iv = backend.data.get(indices.dataId).values;
  if (!xv || !(iv instanceof Int32Array) || (attrs['batchDims'] as number) !== 0) return null;
  const axis = tf.util.parseAxisParam(attrs['axis'] as number, x.shape)[0]!;
  const axisDim = x.shape[axis]!;
  const outer = size(x.shape.slice(0, axis)),
    inner = size(x.shape.slice(axis + 1));
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = alloc(backend, xv, size(shape));
  const bad = out.length > 0 ? addon.gather(xv, iv, out, outer, axisDim, inner) : -1;
  if (bad >= 0)
    throw new Error(`GatherV2: the index value ${iv[bad]} is not in [0, ${axisDim - 1}]`);
  return output(backend, shape, out);
}

function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const xv = f32(backend, x);
  const ids = backend.data.get(segmentIds.dataId).values;
  if (!xv || !(ids instanceof Int32Array) || segmentIds.shape.length !== 1 || x.shape.length === 0)
    return null;
  const numSegments = attrs['numSegments'] as number;
  const shape = [numSegments, ...x.shape.slice(1)];
  const out = backend.allocFloat32(size(shape), true);
  if (out.length > 0) addon.segmentSum(xv, ids, out, size(x.shape.slice(1)), numSegments);
  return output(backend, shape, out);
}

export function registerShapeKernels(addon: NativeAddon): void {
  override('Transpose', addon, transpose);
  override('Tile', addon, tile);
  override('Slice', addon, slice);
  override('PadV2', addon, padV2);
  override('Concat', addon, concat);
  override('Pack', addon, pack);
  override('Unpack', addon, unpack);
  override('SplitV', addon, splitV);
  override('GatherV2', addon, gatherV2);
  override('UnsortedSegmentSum', addon, unsortedSegmentSum);
}
