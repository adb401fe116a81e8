/**
 * The fused Adam update of the native backend (native/adam.cc): the same floats as Adam's
 * unfused TF.js ops on the cpu backend over several updates (bias corrections change each
 * step), on a small parameter and one long enough for the multithreaded path; shape errors;
 * no leaked tensors. Skipped, with the reason, where the addon is not built.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Variable } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { fusedAdamAvailable, fusedAdamUpdate } from '../../src/backend/fused-adam.js';
import { ShapeError } from '../../src/errors.js';
import { Rng } from '../../src/backend/random.js';
import { Adam } from '../../src/nn/adam.js';

const native = loadNativeBackend();
const skip = native.ok ? false : `native backend unavailable: ${native.reason}`;

/** [3, 5] and [70000]: the second crosses native's threading threshold (65536 elements). */
const SHAPES = [[3, 5], [70000]];

/** Parameters after `steps` Adam updates with seeded random gradients, on the active backend. */
async function train(steps: number): Promise<Float32Array[]> {
  const before = tf.memory().numTensors;
  const rng = new Rng(11);
  const draw = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()),
      shape,
    );
  const params = new Map<string, Variable>(
    SHAPES.map((s, i) => [`p${i}`, tf.tidy(() => tf.variable(draw(s)))]),
  );
  const adam = new Adam(params, 0.01, { warmupSteps: 2 });
  for (let t = 0; t < steps; t++) {
    const grads = Object.fromEntries([...params.values()].map((p) => [p.name, draw(p.shape)]));
    adam.apply(grads);
    tf.dispose(Object.values(grads));
  }
  const out = await Promise.all(
    [...params.values()].map(async (p) => (await p.data()) as Float32Array),
  );
  // The moments too: a wrong m or v shows up here before it moves the parameters much.
  for (const [m, v] of adam.getState().moments.values()) out.push(m.slice(), v.slice());
  adam.dispose();
  tf.dispose([...params.values()]);
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  return out;
}

describe('native fused Adam', { skip }, () => {
  it('gives the same floats as the unfused ops on cpu, parameters and moments', async () => {
    await initBackend('cpu');
    assert.equal(fusedAdamAvailable(), false);
    const reference = await train(4);
    await initBackend('native');
    assert.equal(fusedAdamAvailable(), true, 'the native backend registers the fused kernel');
    const fused = await train(4);
    assert.equal(fused.length, reference.length);
    fused.forEach((values, i) => {
      const want = reference[i]!;
      const diffs = values.filter((x, j) => x !== want[j]).length;
      assert.equal(diffs, 0, `array ${i}: ${diffs} of ${values.length} values differ`);
    });
  });

  it('rejects a gradient of another shape, naming it', async () => {
    await initBackend('native');
    const p = tf.zeros([4]);
    const g = tf.zeros([5]);
    const c = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 1e-3, sqrtBias2: 0.03 };
    assert.throws(
      () => fusedAdamUpdate(p, p, p, g, c),
      (e: unknown) => {
        return e instanceof ShapeError && /g: expected .*\[4\], found \[5\]/.test(e.message);
      },
    );
    tf.dispose([p, g]);
  });
});
