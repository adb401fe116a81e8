/**
 * Transpose for the wasm backend, tiled for the cache.
 *
 * The stock kernel walks the output with strided reads, ~20 ns per element for a real 2-D
 * transpose such as [12,1024,512] → [12,512,1024]; a tiled copy in JS over heap views measured
 * ~9 ns on the same (loaded) machine. Transposes sit on the hot path of every transposed or
 * batched matmul and of the filter gradient. Axes of size 1 are dropped and axes that stay
 * adjacent are merged first, so most permutations become one of three patterns:
 * [B,R,C]→[B,C,R], [R,M,C]→[C,M,R] or [A,B,C]→[B,A,C] (row copies). Others go to the stock kernel.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { asWasm, runStock, sizeOf, typed, type WasmBackend, type WasmKernelArgs } from './heap.js';

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
  if (!['', '0', '0,2,1', '1,0', '2,1,0', '1,0,2'].includes(key)) return null;
  const out = wb.makeOutput(outShape, x.dtype);
  // Views after the allocation above, which may have grown (moved) the heap.
  const src = typed(wb, x);
  const dst = typed(wb, out);
  if (key === '' || key === '0') dst.set(src);
  else if (key === '1,0') tiled(src, dst, 1, shape[0]!, 1, shape[1]!);
  else if (key === '0,2,1') tiled(src, dst, shape[0]!, shape[1]!, 1, shape[2]!);
  else if (key === '2,1,0') tiled(src, dst, 1, shape[0]!, shape[1]!, shape[2]!);
  else rowCopies(src, dst, shape[0]!, shape[1]!, shape[2]!);
  return out;
}

/**
 * For each batch b and middle index m: dst[b][c][m][r] = src[b][r][m][c], i.e.
 * [B,R,M,C] → [B,C,M,R]. M = 1 is a batched 2-D transpose; B = 1 the [R,M,C]→[C,M,R] case.
 */
function tiled(
  src: Float32Array | Int32Array,
  dst: Float32Array | Int32Array,
  B: number,
  R: number,
  M: number,
  C: number,
): void {
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

/** [A,B,C] → [B,A,C]: whole rows of C elements move, so each is one memcpy-like set(). */
function rowCopies(
  src: Float32Array | Int32Array,
  dst: Float32Array | Int32Array,
  A: number,
  B: number,
  C: number,
): void {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const from = (a * B + b) * C;
      dst.set(src.subarray(from, from + C), (b * A + a) * C);
    }
  }
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
