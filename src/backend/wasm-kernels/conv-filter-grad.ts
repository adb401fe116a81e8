/**
 * Conv2DBackpropFilter for the wasm backend, which has none (so no conv net trains there stock).
 *
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pad, ow·s+kw−pad, ci] · dy[n,oh,ow,co]
 * is itself a convolution: treat ci as the batch, n as the channels, and dy as an OH×OW filter
 * applied with dilation = stride. That runs on the backend's own XNNPACK Conv2D (6–26 GFLOP/s
 * single-threaded in our benchmark) instead of a scalar loop. A 1×1 unpadded kernel is plainly a
 * matmul xᵀ·dy and goes through the fast matmul instead (the conv form is slow for it).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import {
  asWasm,
  f32,
  release,
  reshape,
  runKernel,
  transpose,
  type WasmBackend,
  type WasmKernelArgs,
} from './heap.js';
import { wasmBatchMatMul } from './matmul.js';

type Pad =
  | 'valid'
  | 'same'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2dBackpropFilterKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const wb = asWasm(backend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as FilterGradAttrs;
  // The XNNPACK conv is channels-last only; NCHW inputs are transposed once (the filter is HWIO either way).
  const nchw = a.dataFormat === 'NCHW';
  const xh = nchw ? transpose(wb, x, [0, 2, 3, 1]) : x; // [N, H, W, Cin]
  const dyh = nchw ? transpose(wb, dy, [0, 2, 3, 1]) : dy; // [N, OH, OW, Cout]
  const info = tf.backend_util.computeConv2DInfo(
    xh.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    nhwcPad(a.pad, nchw),
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const dW = isPointwise(info)
    ? pointwiseFilterGrad(wb, xh, dyh, info)
    : convFilterGrad(wb, xh, dyh, info);
  if (nchw) release(wb, xh, dyh);
  return dW;
}

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** A 1×1 kernel whose every tap reads a real input element (no padding is ever read). */
export function isPointwise(info: ConvInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    (info.outHeight - 1) * info.strideHeight < info.inHeight &&
    (info.outWidth - 1) * info.strideWidth < info.inWidth
  );
}

function convFilterGrad(
  wb: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  // Padding after the input so that the dilated "filter" dy spans exactly KH×KW outputs. A negative
  // value means the forward conv never reached the last input rows/cols: crop them instead.
  const bottom = KH + (OH - 1) * sh - H - top;
  const right = KW + (OW - 1) * sw - W - left;
  const xc =
    bottom < 0 || right < 0 ? cropNHWC(wb, x, H + Math.min(bottom, 0), W + Math.min(right, 0)) : x;
  const xT = transpose(wb, xc, [3, 1, 2, 0]); // [Cin, Hc, Wc, N]: Cin is the batch, N the channels
  if (xc !== x) release(wb, xc);
  const dyT = transpose(wb, dy, [1, 2, 0, 3]); // [OH, OW, N, Cout]: dy as an OH×OW filter
  const pad = [
    [0, 0],
    [top, Math.max(bottom, 0)],
    [left, Math.max(right, 0)],
    [0, 0],
  ];
  const conv = runKernel(
    'Conv2D',
    wb,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad,
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    },
  ); // [Cin, KH, KW, Cout]
  release(wb, xT, dyT);
  const dW = transpose(wb, conv, [1, 2, 0, 3]); // [KH, KW, Cin, Cout]
  release(wb, conv);
  return dW;
}

/** 1×1 kernel, no padding: dW[ci,co] = Σ x[n, oh·s, ow·s, ci]·dy[n,oh,ow,co], one matmul. */
function pointwiseFilterGrad(
  wb: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { batchSize: N, outHeight: OH, outWidth: OW, inChannels: Cin, outChannels: Cout } = info;
  const dense =
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.inHeight === OH &&
    info.inWidth === OW;
  const xs = dense ? x : subsampleNHWC(wb, x, info); // [N, OH, OW, Cin]
  const x2 = reshape(wb, xs, [N * OH * OW, Cin]); // [rows, Cin]
  if (xs !== x) release(wb, xs);
  const dy2 = reshape(wb, dy, [N * OH * OW, Cout]); // [rows, Cout]
  const dW2 = wasmBatchMatMul(wb, x2, dy2, true, false); // [Cin, Cout]
  release(wb, x2, dy2);
  const dW = reshape(wb, dW2, [1, 1, Cin, Cout]); // [1, 1, Cin, Cout]
  release(wb, dW2);
  return dW;
}

/** x[:, :h, :w, :] as a new tensor (the kept part of each row is contiguous). */
export function cropNHWC(wb: WasmBackend, x: TensorInfo, h: number, w: number): TensorInfo {
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const out = wb.makeOutput([N, h, w, C], 'float32'); // [N, h, w, C]
  const src = f32(wb, x);
  const dst = f32(wb, out);
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < h; r++) {
      const from = (n * H + r) * W * C;
      dst.set(src.subarray(from, from + w * C), (n * h + r) * w * C);
    }
  }
  return out;
}

/** x[:, ::sh, ::sw, :] limited to the OH×OW positions a 1×1 strided conv reads. */
function subsampleNHWC(wb: WasmBackend, x: TensorInfo, info: ConvInfo): TensorInfo {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
  } = info;
  const out = wb.makeOutput([N, OH, OW, C], 'float32'); // [N, OH, OW, C]
  const src = f32(wb, x);
  const dst = f32(wb, out);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const from = ((n * H + oh * info.strideHeight) * W + ow * info.strideWidth) * C;
        dst.set(src.subarray(from, from + C), o);
        o += C;
      }
    }
  }
  return out;
}

/** Explicit paddings are listed in the data format's axis order; we always compute in NHWC. */
function nhwcPad(pad: Pad, nchw: boolean): Pad {
  if (!nchw || !Array.isArray(pad)) return pad;
  return [pad[0], pad[2], pad[3], pad[1]];
}
