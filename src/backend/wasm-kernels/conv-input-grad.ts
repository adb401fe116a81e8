/**
 * Conv2DBackpropInput for the wasm backend. The stock kernel is a naive C loop (~3 GFLOP/s).
 *
 * - stride 1: dx is a forward conv of dy with the spatially flipped, in/out-swapped filter, which
 *   runs on XNNPACK's Conv2D at forward speed with no large temporary;
 * - 1×1 kernel, stride 1, no padding: dx = dy·Wᵀ, one matmul;
 * - otherwise (strided convs, e.g. the audio encoder): cols = dy·Wᵀ on XNNPACK, then a col2im
 *   scatter-add of each row's KH·KW·Cin patch into dx. Rows go in chunks so `cols` stays small.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import {
  asWasm,
  disposeView,
  f32,
  heapId,
  makeView,
  release,
  reshape,
  runKernel,
  transpose,
  type WasmBackend,
  type WasmKernelArgs,
} from './heap.js';
import { fastProduct, wasmBatchMatMul } from './matmul.js';

type Pad =
  | 'valid'
  | 'same'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

interface InputGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Upper bound on the floats of one `cols` chunk (32 MiB). */
const COLS_CHUNK_FLOATS = 1 << 23;

export function conv2dBackpropInputKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const wb = asWasm(backend);
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as InputGradAttrs;
  const nchw = a.dataFormat === 'NCHW';
  const [n, d1, d2, d3] = a.inputShape;
  const inShape: [number, number, number, number] = nchw ? [n, d2, d3, d1] : [n, d1, d2, d3]; // NHWC
  const dyh = nchw ? transpose(wb, dy, [0, 2, 3, 1]) : dy; // [N, OH, OW, Cout]
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filter.shape as [number, number, number, number],
    a.strides,
    1,
    nhwcPad(a.pad, nchw),
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const dx = inputGrad(wb, dyh, filter, info); // [N, H, W, Cin]
  if (!nchw) return dx;
  release(wb, dyh);
  const dxc = transpose(wb, dx, [0, 3, 1, 2]); // [N, Cin, H, W]
  release(wb, dx);
  return dxc;
}

function inputGrad(
  wb: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  if (KH === 1 && KW === 1 && sh === 1 && sw === 1 && top + bottom + left + right === 0) {
    return pointwiseInputGrad(wb, dy, filter, info);
  }
  const flipPads = [KH - 1 - top, KH - 1 - bottom, KW - 1 - left, KW - 1 - right];
  if (sh === 1 && sw === 1 && flipPads.every((p) => p >= 0)) {
    return flippedConvInputGrad(wb, dy, filter, flipPads as [number, number, number, number]);
  }
  return col2imInputGrad(wb, dy, filter, info);
}

function pointwiseInputGrad(
  wb: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Cin, outChannels: Cout } = info;
  const dy2 = reshape(wb, dy, [N * H * W, Cout]); // [rows, Cout]
  const w2 = reshape(wb, filter, [Cin, Cout]); // [Cin, Cout]
  const dx2 = wasmBatchMatMul(wb, dy2, w2, false, true); // [rows, Cin]
  release(wb, dy2, w2);
  const dx = reshape(wb, dx2, [N, H, W, Cin]); // [N, H, W, Cin]
  release(wb, dx2);
  return dx;
}

/** Stride 1: dx = conv(dy, W') with W'[i,j,co,ci] = W[KH−1−i, KW−1−j, ci, co]. */
function flippedConvInputGrad(
  wb: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  [padTop, padBottom, padLeft, padRight]: [number, number, number, number],
): TensorInfo {
  const [KH, KW, Cin, Cout] = filter.shape as [number, number, number, number];
  const swapped = transpose(wb, filter, [0, 1, 3, 2]); // [KH, KW, Cout, Cin]
  // Flipping both spatial axes reverses the order of the KH·KW blocks of Cout·Cin weights.
  const flipped = wb.makeOutput([KH, KW, Cout, Cin], 'float32'); // [KH, KW, Cout, Cin]
  const src = f32(wb, swapped);
  const dst = f32(wb, flipped);
  const block = Cout * Cin;
  const taps = KH * KW;
  for (let t = 0; t < taps; t++) {
    dst.set(src.subarray(t * block, (t + 1) * block), (taps - 1 - t) * block);
  }
  release(wb, swapped);
  const pad = [
    [0, 0],
    [padTop, padBottom],
    [padLeft, padRight],
    [0, 0],
  ];
  const dx = runKernel(
    'Conv2D',
    wb,
    { x: dy, filter: flipped },
    { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] },
  );
  release(wb, flipped);
  return dx; // [N, H, W, Cin]
}

function col2imInputGrad(
  wb: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: Cin,
    outHeight: OH,
    outWidth: OW,
  } = info;
  const {
    filterHeight: KH,
    filterWidth: KW,
    strideHeight: sh,
    strideWidth: sw,
    outChannels: Cout,
  } = info;
  const { top, left } = info.padInfo;
  const patch = KH * KW * Cin;
  const w2 = reshape(wb, filter, [patch, Cout]); // [KH·KW·Cin, Cout]
  const wT = transpose(wb, w2, [1, 0]); // [Cout, KH·KW·Cin]: the right operand, packed once for all chunks
  release(wb, w2);

  const totalRows = N * OH * OW;
  const chunkRows = Math.max(1, Math.min(totalRows, Math.floor(COLS_CHUNK_FLOATS / patch)));
  const cols = wb.makeOutput([chunkRows, patch], 'float32'); // [chunkRows, KH·KW·Cin]
  const dx = wb.makeOutput([N, H, W, Cin], 'float32'); // [N, H, W, Cin]
  f32(wb, dx).fill(0);

  for (let row0 = 0; row0 < totalRows; row0 += chunkRows) {
    const rows = Math.min(chunkRows, totalRows - row0);
    const dyView = makeView(wb, dy, row0 * Cout, [1, rows, Cout]); // [1, rows, Cout]
    fastProduct(wb, heapId(wb, dyView), heapId(wb, wT), heapId(wb, cols), rows, Cout, patch);
    disposeView(wb, dyView);
    // Views re-taken after the product: nothing allocates in between, so the heap cannot move.
    const colsArr = f32(wb, cols);
    const dxArr = f32(wb, dx);
    for (let r = 0; r < rows; r++) {
      const row = row0 + r;
      const ow = row % OW;
      const oh = Math.floor(row / OW) % OH;
      const n = Math.floor(row / (OW * OH));
      const rowBase = r * patch;
      for (let kh = 0; kh < KH; kh++) {
        const h = oh * sh - top + kh;
        if (h < 0 || h >= H) continue;
        for (let kw = 0; kw < KW; kw++) {
          const w = ow * sw - left + kw;
          if (w < 0 || w >= W) continue;
          const src = rowBase + (kh * KW + kw) * Cin;
          const dst = ((n * H + h) * W + w) * Cin;
          for (let c = 0; c < Cin; c++) dxArr[dst + c] += colsArr[src + c]!;
        }
      }
    }
  }
  release(wb, wT, cols);
  return dx;
}

/** Explicit paddings are listed in the data format's axis order; we always compute in NHWC. */
function nhwcPad(pad: Pad, nchw: boolean): Pad {
  if (!nchw || !Array.isArray(pad)) return pad;
  return [pad[0], pad[2], pad[3], pad[1]];
}
