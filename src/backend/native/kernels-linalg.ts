/**
 * Convolutions (oneDNN) and batched matrix products (dnnl_sgemm / OpenBLAS). The conv kernels
 * take NHWC activations and HWIO filters, the layouts TF.js uses, so no data is transposed here.
 */
import { tf } from '../tf.js';
import type { NativeAddon } from './addon.js';
import { f32, output, override, size, type KernelArgs } from './kernel-util.js';

type Shape4 = [number, number, number, number];
type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function convDims(c: ConvInfo): number[] {
  const p = c.padInfo;
  return [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  ];
}

/** Runs one oneDNN conv; null (so the cpu kernel runs) for NCHW, empty shapes or a oneDNN refusal. */
function runConv(
  backend: KernelArgs['backend'],
  addon: NativeAddon,
  kind: 0 | 1 | 2,
  a: Float32Array,
  b: Float32Array,
  info: ConvInfo,
  outSize: number,
): Float32Array | null {
  const dims = convDims(info);
  if (dims.slice(0, 9).some((d) => d <= 0)) return null;
  const out = backend.allocFloat32(outSize);
  try {
    addon.conv(kind, a, b, out, dims);
  } catch {
    // oneDNN rejects a few padding/rounding combinations TF.js allows; the cpu kernel handles them.
    return null;
  }
  return out;
}

function conv2d({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const xv = f32(backend, x!),
    wv = f32(backend, filter!);
  if (!xv || !wv || attrs['dataFormat'] !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x!.shape as Shape4,
    filter!.shape as Shape4,
    attrs['strides'] as number,
    attrs['dilations'] as number,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'floor' | undefined,
    false,
    'channelsLast',
  );
  const out = runConv(backend, addon, 0, xv, wv, info, size(info.outShape));
  return out && output(backend, info.outShape, out);
}

function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const dyv = f32(backend, dy!),
    wv = f32(backend, filter!);
  if (!dyv || !wv || attrs['dataFormat'] !== 'NHWC') return null;
  const inputShape = attrs['inputShape'] as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter!.shape as Shape4,
    attrs['strides'] as number,
    1,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'floor' | undefined,
    false,
    'channelsLast',
  );
  const out = runConv(backend, addon, 1, dyv, wv, info, size(inputShape));
  return out && output(backend, [...inputShape], out);
}

function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const xv = f32(backend, x!),
    dyv = f32(backend, dy!);
  if (!xv || !dyv || attrs['dataFormat'] !== 'NHWC') return null;
  const filterShape = attrs['filterShape'] as Shape4;
  const info = tf.backend_util.computeConv2DInfo(
    x!.shape as Shape4,
    filterShape,
    attrs['strides'] as number,
    1,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'floor' | undefined,
    false,
    'channelsLast',
  );
  const out = runConv(backend, addon, 2, xv, dyv, info, size(filterShape));
  return out && output(backend, [...filterShape], out);
}

/** Row-major [..batch, M, K] x [..batch, K, N] with broadcasting of a batch of one. */
function batchMatMul({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const av = f32(backend, a!),
    bv = f32(backend, b!);
  if (!av || !bv || a!.shape.length < 2 || b!.shape.length < 2) return null;
  const ta = attrs['transposeA'] === true,
    tb = attrs['transposeB'] === true;
  const ra = a!.shape.length,
    rb = b!.shape.length;
  const m = ta ? a!.shape[ra - 1]! : a!.shape[ra - 2]!;
  const k = ta ? a!.shape[ra - 2]! : a!.shape[ra - 1]!;
  const n = tb ? b!.shape[rb - 2]! : b!.shape[rb - 1]!;
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(
    a!.shape.slice(0, -2),
    b!.shape.slice(0, -2),
  );
  const batch = size(batchShape),
    batchA = size(a!.shape.slice(0, -2)),
    batchB = size(b!.shape.slice(0, -2));
  // Broadcasting other than "a whole operand of batch one" goes to the cpu kernel.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  // An empty inner dimension (k = 0) gives zeros, which the gemm call would not write.
  const out = backend.allocFloat32(batch * m * n, k === 0);
  if (out.length > 0 && k > 0) addon.gemm(av, bv, out, batch, batchA, batchB, m, n, k, ta, tb);
  return output(backend, [...batchShape, m, n], out);
}

export function registerLinalgKernels(addon: NativeAddon): void {
  override('Conv2D', addon, conv2d);
  override('Conv2DBackpropInput', addon, conv2dBackpropInput);
  override('Conv2DBackpropFilter', addon, conv2dBackpropFilter);
  override('BatchMatMul', addon, batchMatMul);
}
