/**
 * UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient of `gather`, so
 * without it a loss that gathers negative samples by index cannot be trained on wasm.
 *
 * out[s, ...] = Σ_{i : ids[i] = s} x[i, ...], where `ids` covers the leading dims of x. Ids outside
 * [0, numSegments) are dropped, as in TensorFlow.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, sizeOf, typed, type WasmKernelArgs } from './heap.js';
import { ShapeError } from '../../errors.js';

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
  for (let i = 0; i < count; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const dst = s * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) o[dst + j] += xs[src + j]!;
  }
  return out;
}
