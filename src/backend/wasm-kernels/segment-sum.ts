/**
 * UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient of `gather`, so
 * without it a loss that gathers negative samples by index cannot be trained on wasm.
 *
 * out[s, ...] = Σ_{i : ids[i] = s} x[i, ...], where `ids` covers the leading dims of x. Ids outside
 * [0, numSegments) are dropped, as in TensorFlow.
 *
 * float32 rows whose length is a multiple of 4 (InfoNCE: 64 channels) are added on our SIMD loop
 * (simd-module.ts), in the same i order as the JS loop below, so the sums are identical; plain JS
 * loops over the heap ran at only ~0.3 G adds/s here.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, sizeOf, typed, type WasmKernelArgs } from './heap.js';
import { ShapeError } from '../../errors.js';
import { simdKernels } from './simd-module.js';

export function unsortedSegmentSumKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const wb = asWasm(backend);
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const idRank = segmentIds.shape.length;
  for (let d = 0; d < idRank; d++) {
    if (segmentIds.shape[d] !== x.shape[d]) {
      throw new ShapeError(
        `UnsortedSegmentSum: segmentIds shape ${JSON.stringify(segmentIds.shape)} must be a prefix of ` +
          `x shape ${JSON.stringify(x.shape)}`,
      );
    }
  }
  const count = sizeOf(segmentIds.shape);
  const innerShape = x.shape.slice(idRank);
  const inner = sizeOf(innerShape);
  const out = wb.makeOutput([numSegments, ...innerShape], x.dtype); // [numSegments, ...inner]
  // Views taken after the allocation above (allocation may grow and move the heap).
  const o = typed(wb, out);
  o.fill(0);
  const xs = typed(wb, x);
  const ids = typed(wb, segmentIds);
  const simdShape = inner > 0 && inner % 4 === 0 && count > 0;
  const simd =
    simdShape && x.dtype === 'float32' && segmentIds.dtype === 'int32' ? simdKernels(wb) : null;
  if (simd && ids.every((s) => s >= 0 && s < numSegments)) {
    const at = (t: TensorInfo): number => wb.dataIdMap.get(t.dataId).memoryOffset;
    simd.scatterAdd(at(x), at(segmentIds), at(out), count, inner * 4);
    return out;
  }
  for (let i = 0; i < count; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const dst = s * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) o[dst + j] += xs[src + j]!;
  }
  return out;
}
