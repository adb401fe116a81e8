/**
 * ReLU's fused gradient on the native backend (native/elementwise.cc via src/backend/relu-grad.ts):
 * the same floats as TF.js's dy · step(x) on the cpu backend (zeros of both signs, NaN, a
 * length past the threading threshold), finite differences, no leaked tensors. Skipped, with
 * the reason, where the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { RELU_GRAD } from '../../src/backend/relu-grad.js';
import { Rng } from '../../src/backend/random.js';

const native = loadNativeBackend();
const skip = native.ok ? false : `native backend unavailable: ${native.reason}`;

/** x with the edge cases first (±0, NaN, ±Infinity), then normals; 70000 crosses 65536. */
function inputs(n: number): { x: Float32Array; w: Float32Array } {
  const rng = new Rng(5);
  const x = Float32Array.from({ length: n }, () => rng.normal());
  x.set([0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30]);
  const w = Float32Array.from({ length: n }, () => rng.normal());
  return { x, w };
}

/** d/dx Σ w ⊙ relu(x) on the active backend. */
async function gradient(x: Float32Array, w: Float32Array, shape: number[]): Promise<Float32Array> {
  const before = tf.memory().numTensors;
  const xt = tf.tensor(x, shape);
  const wt = tf.tensor(w, shape);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), wt)))(xt);
  const out = (await g.data()) as Float32Array;
  tf.dispose([xt, wt, g]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  return out;
}

describe('native fused ReLU gradient', { skip }, () => {
  it('gives the same floats as dy · step(x) on cpu, signed zeros and NaN included', async () => {
    for (const shape of [
      [2, 3, 5],
      [7, 10000],
    ]) {
      const n = shape.reduce((p, d) => p * d, 1);
      const { x, w } = inputs(n);
      await initBackend('cpu');
      const want = await gradient(x, w, shape);
      await initBackend('native');
      assert.ok(tf.getKernel(RELU_GRAD, 'native'), 'the native backend registers the kernel');
      const got = await gradient(x, w, shape);
      const diffs = got.filter((v, i) => !Object.is(v, want[i])).length;
      assert.equal(diffs, 0, `[${shape}]: ${diffs} of ${n} values differ`);
      assert.ok(Number.isNaN(got[2]), 'step(NaN) is NaN, as in TF.js');
    }
  });

  it('runs the fused kernel in place of Step and Multiply', async () => {
    await initBackend('native');
    const x = tf.tensor1d([1, -2, 3]);
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.sum(tf.relu(v)))(x));
    tf.dispose(info.result as tf.Tensor);
    assert.ok(info.kernelNames.includes(RELU_GRAD), `kernels: ${info.kernelNames.join(', ')}`);
    assert.ok(!info.kernelNames.includes('Step'), `kernels: ${info.kernelNames.join(', ')}`);
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
    x.dispose();
  });

  it('matches central finite differences away from the kink', async () => {
    await initBackend('native');
    const rng = new Rng(9);
    // |x| ≥ 0.1, so a step of 1e-2 never crosses zero.
    const x = Float32Array.from({ length: 24 }, () => {
      const v = rng.normal();
      return Math.sign(v) * (0.1 + Math.abs(v));
    });
    const w = Float32Array.from({ length: 24 }, () => rng.normal());
    const g = await gradient(x, w, [4, 6]);
    const f = (xs: Float32Array) => xs.reduce((s, v, i) => s + Math.max(v, 0) * w[i]!, 0);
    const h = 1e-2;
    for (let i = 0; i < x.length; i++) {
      const up = x.slice(),
        down = x.slice();
      up[i] = x[i]! + h;
      down[i] = x[i]! - h;
      const fd = (f(up) - f(down)) / (2 * h);
      assert.ok(Math.abs(fd - g[i]!) < 1e-3, `x[${i}] = ${x[i]}: fd ${fd}, kernel ${g[i]}`);
    }
  });
});
