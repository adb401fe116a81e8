/**
 * Transpose for the wasm backend, tiled for the cache.
 *
 * The stock kernel walks the output with strided reads, 13–23 ns per element for a 2-D transpose
 * such as [12,1024,512] → [12,512,1024] on our (loaded) 2-core machine; a 32×32-tiled copy in JS
 * over heap views measured 11–12 ns there. Such transposes sit on the hot path of every
 * transposed or batched matmul. Axes of size 1 are dropped and axes that stay adjacent are
 * merged first; what is then a (batched) 2-D transpose is done here, anything else (including
 * row moves like [A,B,C]→[B,A,C], where the C loop was as fast) by the stock kernel.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, runStock, sizeOf, type WasmBackend, type WasmKernelArgs } from './heap.js';

/** Square tile edge: 32×32 floats of source and of destination stay in L1. */
const TILE = 32;

/** Shape and permutation after dropping unit axes and merging axes that stay adjacent. */
export function simplifyPermutation(
  shape: number[],
  perm: number[],
): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Out positions whose input axes are consecutive form one group (one merged axis).
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const byInput = [...groups].sort((a, b) => a[0]! - b[0]!);
  return {
    shape: byInput.map((g) => sizeOf(g.map((axis) => shape[axis]!))),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

export function transposeHeap(wb: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo | null {
  const outShape = perm.map((axis) => x.shape[axis]!);
  const { shape, perm: p } = simplifyPermutation(x.shape, perm);
  const key = p.join(',');
  if (!['', '0', '0,2,1', '1,0'].includes(key)) return null;
  const out = wb.makeOutput(outShape, x.dtype);
  // Views after the allocation above, which may have grown (moved) the heap. Both dtypes are
  // moved as int32 bits: exact (a float view could canonicalise NaN payloads) and monomorphic.
  const src = int32View(wb, x);
  const dst = int32View(wb, out);
  if (key === '' || key === '0') dst.set(src);
  else if (key === '1,0') tiled(src, dst, 1, shape[0]!, 1, shape[1]!);
  else tiled(src, dst, shape[0]!, shape[1]!, 1, shape[2]!);
  return out;
}

/**
 * For each batch b and middle index m: dst[b][c][m][r] = src[b][r][m][c], i.e.
 * [B,R,M,C] → [B,C,M,R]. Called with M = 1 (a batched 2-D transpose); M > 1, the [R,M,C]→[C,M,R]
 * pattern, measured no faster than the stock kernel, so it is left to that.
 */
function tiled(src: Int32Array, dst: Int32Array, B: number, R: number, M: number, C: number): void {
  const rowStride = M * C; // src step for r + 1
  const colStride = M * R; // dst step for c + 1
  for (let b = 0; b < B; b++) {
    const base = b * R * M * C;
    for (let m = 0; m < M; m++) {
      for (let r0 = 0; r0 < R; r0 += TILE) {
        const r1 = Math.min(r0 + TILE, R);
        for (let c0 = 0; c0 < C; c0 += TILE) {
          const c1 = Math.min(c0 + TILE, C);
          for (let r = r0; r < r1; r++) {
            let s = base + r * rowStride + m * C + c0;
            let d = base + c0 * colStride + m * R + r;
            for (let c = c0; c < c1; c++) {
              dst[d] = src[s++]!;
              d += colStride;
            }
          }
        }
      }
    }
  }
}

function int32View(wb: WasmBackend, t: TensorInfo): Int32Array {
  const { memoryOffset } = wb.dataIdMap.get(t.dataId);
  return new Int32Array(wb.wasm.HEAPU8.buffer, memoryOffset, sizeOf(t.shape));
}

export function transposeKernel(args: WasmKernelArgs): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { perm } = args.attrs as unknown as { perm: number[] };
  if (x.dtype === 'float32' || x.dtype === 'int32') {
    const out = transposeHeap(asWasm(args.backend), x, perm);
    if (out) return out;
  }
  return runStock('Transpose', args) as TensorInfo;
}
