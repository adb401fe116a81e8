/**
 * Elementwise and reduction kernels. The cpu backend runs these as generic index-arithmetic
 * loops in JavaScript, which dominated a training step once the convs were native.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import type { NativeAddon } from './addon.js';
import { callKernel, f32, output, override, size, type KernelArgs } from './kernel-util.js';

// Op codes; they match the enums in native/elementwise.cc and native/reduce.cc.
const BINARY = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
  Pow: 7,
};
const UNARY = {
  Relu: 0,
  Step: 1,
  Sigmoid: 2,
  Tanh: 3,
  Exp: 4,
  Log: 5,
  Neg: 6,
  Square: 7,
  Sqrt: 8,
  Rsqrt: 9,
  Abs: 10,
  Reciprocal: 11,
};
const REDUCE = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 };

function binary(op: number) {
  return ({ inputs, backend }: KernelArgs, addon: NativeAddon) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const av = f32(backend, a),
      bv = f32(backend, b);
    if (!av || !bv) return null;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = backend.allocFloat32(size(shape));
    if (out.length > 0) addon.binary(op, av, a.shape, bv, b.shape, out, shape);
    return output(backend, shape, out);
  };
}

function unary(op: number) {
  return ({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) => {
    const x = inputs['x'] as TensorInfo;
    const xv = f32(backend, x);
    if (!xv) return null;
    const out = backend.allocFloat32(xv.length);
    if (out.length > 0) addon.unary(op, xv, out, (attrs['alpha'] as number | undefined) ?? 0);
    return output(backend, [...x.shape], out);
  };
}

/**
 * Reduces `x` over `axes` as one [M, K, N] pass when the reduced axes are adjacent (ignoring
 * axes of size one); otherwise moves them last with a native transpose first.
 */
function reduce(op: number, axisAttr: 'axis' | 'reductionIndices') {
  return (args: KernelArgs, addon: NativeAddon) => {
    const { inputs, backend, attrs } = args;
    const x = inputs['x'] as TensorInfo;
    let xv = f32(backend, x);
    if (!xv || xv.length === 0) return null;
    const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
    if (axes.length === 0) return null;
    const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const k = size(reduceShape);
    const isReduced = (d: number) => axes.includes(d);
    const used = x.shape.map((_, d) => d).filter((d) => x.shape[d]! > 1);
    const firstR = used.findIndex(isReduced);
    const lastR = used.length - 1 - [...used].reverse().findIndex(isReduced);
    const adjacent = firstR < 0 || used.slice(firstR, lastR + 1).every(isReduced);
    let m: number, n: number;
    let moved: TensorInfo | null = null;
    if (adjacent) {
      m = size(used.slice(0, Math.max(firstR, 0)).map((d) => x.shape[d]!));
      n = firstR < 0 ? 1 : size(used.slice(lastR + 1).map((d) => x.shape[d]!));
      if (firstR < 0) m = size(x.shape);
    } else {
      const perm = tf.backend_util.getAxesPermutation(axes, x.shape.length)!;
      moved = callKernel('Transpose', { inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
      xv = backend.data.get(moved.dataId).values as Float32Array;
      m = size(outShape);
      n = 1;
    }
    const out = backend.allocFloat32(size(outShape));
    addon.reduce(op, xv, out, m, k, n);
    if (moved) backend.disposeIntermediateTensorInfo(moved);
    const shape =
      attrs['keepDims'] === true ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    return output(backend, shape, out);
  };
}

function softmax({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon) {
  const logits = inputs['logits'] as TensorInfo;
  const xv = f32(backend, logits);
  const rank = logits.shape.length;
  const dim = attrs['dim'] as number;
  if (!xv || xv.length === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const cols = logits.shape[rank - 1]!;
  const out = backend.allocFloat32(xv.length);
  addon.softmax(xv, out, xv.length / cols, cols);
  return output(backend, [...logits.shape], out);
}

export function registerMathKernels(addon: NativeAddon): void {
  for (const [name, op] of Object.entries(BINARY)) override(name, addon, binary(op));
  for (const [name, op] of Object.entries(UNARY)) override(name, addon, unary(op));
  override('Sum', addon, reduce(REDUCE.Sum, 'axis'));
  override('Mean', addon, reduce(REDUCE.Mean, 'axis'));
  override('Max', addon, reduce(REDUCE.Max, 'reductionIndices'));
  override('Min', addon, reduce(REDUCE.Min, 'axis'));
  override('Prod', addon, reduce(REDUCE.Prod, 'axis'));
  override('Softmax', addon, softmax);
}
