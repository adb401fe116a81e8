/**
 * The fused GRU kernel of the native backend (oneDNN's LBR GRU, native/gru.cc): parity with the
 * cpu backend's step-by-step GRU, finite differences through a nonzero initial state, freed
 * workspaces and native memory, cached primitives. Skipped, with the reason, where the addon is
 * not built.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor, type Variable } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { loadNativeBackend, nativeAddon } from '../../src/backend/native/index.js';
import { fusedGru, fusedGruAvailable } from '../../src/backend/fused-gru.js';
import { ShapeError } from '../../src/errors.js';
import { Rng } from '../../src/backend/random.js';
import { Gru } from '../../src/nn/gru.js';
import { relativeError } from '../helpers/assert-close.js';
import {
  finiteDifferenceGrads,
  GRU_VALUE_NAMES,
  randomGruValues,
  referenceLoss,
  type GruShape,
} from '../nn/gru-reference.js';

const native = loadNativeBackend();
const skip = native.ok ? false : `native backend unavailable: ${native.reason}`;

interface GruRun {
  readonly y: Float32Array;
  /** dx, dWeightIh, dWeightHh, dBiasIh, dBiasHh. */
  readonly grads: Float32Array[];
}

/** The Gru module on the active backend: outputs and gradients of Σ w ⊙ y; checks for leaks. */
async function runGru(s: GruShape, seed: number): Promise<GruRun> {
  const before = tf.memory().numTensors;
  const rng = new Rng(seed);
  const gru = new Gru(s.input, s.hidden, rng);
  const draw = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()),
      shape,
    );
  const x = tf.tidy(() => tf.variable(draw([s.batch, s.steps, s.input]), true, `gru_x_${seed}`));
  const w = draw([s.batch, s.steps, s.hidden]);
  const vars: Variable[] = [x, gru.weightIh, gru.weightHh, gru.biasIh, gru.biasHh];
  const y = tf.tidy(() => gru.forward(x));
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(gru.forward(x), w)) as tf.Scalar,
    vars,
  );
  const out = {
    y: (await y.data()) as Float32Array,
    grads: await Promise.all(vars.map(async (v) => (await grads[v.name]!.data()) as Float32Array)),
  };
  tf.dispose([y, value, ...Object.values(grads), x, w]);
  gru.dispose();
  assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  return out;
}

const PARITY_SHAPES: GruShape[] = [
  { batch: 2, steps: 3, input: 4, hidden: 5 },
  { batch: 1, steps: 1, input: 3, hidden: 2 },
  { batch: 1, steps: 9, input: 6, hidden: 3 },
  { batch: 3, steps: 1, input: 5, hidden: 4 },
  // The paper's 128 steps, narrower than its 512 → 256 (the cpu reference takes a minute there).
  { batch: 4, steps: 128, input: 64, hidden: 48 },
];

describe('native fused GRU vs the cpu step-by-step GRU', { skip }, () => {
  PARITY_SHAPES.forEach((s, index) => {
    it(`B${s.batch} T${s.steps} I${s.input} H${s.hidden}`, async () => {
      await initBackend('cpu');
      assert.equal(fusedGruAvailable(), false);
      const want = await runGru(s, 300 + index);
      await initBackend('native');
      assert.equal(fusedGruAvailable(), true);
      const got = await runGru(s, 300 + index);
      const err = relativeError(got.y, want.y);
      assert.ok(err < 1e-5, `output relative error ${err}`);
      ['dx', 'dWeightIh', 'dWeightHh', 'dBiasIh', 'dBiasHh'].forEach((name, i) => {
        const e = relativeError(got.grads[i]!, want.grads[i]!);
        assert.ok(e < 1e-4, `${name} relative error ${e}`);
      });
    });
  });
});

describe('native fused GRU op', { skip }, () => {
  before(async () => {
    await initBackend('native');
  });

  it('matches finite differences of a float64 reference, initial state included', async () => {
    const s: GruShape = { batch: 2, steps: 3, input: 3, hidden: 4 };
    const v = randomGruValues(77, s);
    const want = finiteDifferenceGrads(v, s);
    const shapes: Record<(typeof GRU_VALUE_NAMES)[number], number[]> = {
      x: [s.batch, s.steps, s.input],
      h0: [s.batch, s.hidden],
      weightIh: [s.input, 3 * s.hidden],
      weightHh: [s.hidden, 3 * s.hidden],
      biasIh: [3 * s.hidden],
      biasHh: [3 * s.hidden],
    };
    const before = tf.memory().numTensors;
    const inputs = GRU_VALUE_NAMES.map((name) => tf.tensor(v[name], shapes[name]));
    const w = tf.tensor(v.w, [s.batch, s.steps, s.hidden]);
    const loss = (...t: Tensor[]) => {
      const [x, h0, weightIh, weightHh, biasIh, biasHh] = t as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
      ];
      return tf.sum(tf.mul(fusedGru(x, h0, { weightIh, weightHh, biasIh, biasHh }), w));
    };
    const { value, grads } = tf.valueAndGrads(loss)(inputs);
    const got = (await value.data())[0]!;
    const wantLoss = referenceLoss(v, s);
    assert.ok(Math.abs(got - wantLoss) < 1e-5 * Math.abs(wantLoss), `loss ${got} vs ${wantLoss}`);
    for (const [i, name] of GRU_VALUE_NAMES.entries()) {
      const e = relativeError(await grads[i]!.data(), want[name]);
      assert.ok(e < 1e-4, `d${name}: relative error ${e}`);
    }
    tf.dispose([value, ...grads, ...inputs, w]);
    assert.equal(tf.memory().numTensors, before, 'leaked tensors');
  });

  it('builds the primitives of a shape once and reuses them', () => {
    const addon = nativeAddon()!;
    const gru = new Gru(7, 5, new Rng(3));
    const x = tf.ones([2, 11, 7]); // a shape no other test uses
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(gru.forward(x)) as tf.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const start = addon.gruPrimitivesCreated();
    step();
    assert.equal(addon.gruPrimitivesCreated(), start + 2, 'one forward and one backward primitive');
    step();
    tf.tidy(() => gru.forward(x));
    assert.equal(addon.gruPrimitivesCreated(), start + 2, 'a second call rebuilt a primitive');
    x.dispose();
    gru.dispose();
  });

  it('frees its workspace without a tape, and native memory stays flat over 200 steps', () => {
    const s: GruShape = { batch: 4, steps: 128, input: 128, hidden: 128 };
    const gru = new Gru(s.input, s.hidden, new Rng(5));
    const x = tf.randomNormal([s.batch, s.steps, s.input], 0, 1, 'float32', 9);
    const before = tf.memory();
    tf.tidy(() => gru.forward(x)).dispose();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(gru.forward(x)) as tf.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (let i = 0; i < 20; i++) step();
    const rssWarm = process.memoryUsage.rss();
    for (let i = 0; i < 200; i++) step();
    const grownMiB = (process.memoryUsage.rss() - rssWarm) / 2 ** 20;
    // Each step's workspace, output and gradients come to ~3 MiB: a leak of any of them would
    // add 600 MiB; garbage the collector has not reached yet stays far below 100.
    assert.ok(grownMiB < 100, `RSS grew ${grownMiB.toFixed(0)} MiB over 200 steps`);
    assert.equal(tf.memory().numTensors, before.numTensors);
    x.dispose();
    gru.dispose();
  });

  it('names the parameter whose shape does not fit', () => {
    const x = tf.zeros([1, 2, 3]);
    const h0 = tf.zeros([1, 4]);
    const params = {
      weightIh: tf.zeros([3, 12]),
      weightHh: tf.zeros([4, 12]),
      biasIh: tf.zeros([12]),
      biasHh: tf.zeros([11]),
    };
    assert.throws(
      () => fusedGru(x, h0, params),
      (e: unknown) =>
        e instanceof ShapeError && /biasHh: expected \[12\], found \[11\]/.test(e.message),
    );
    tf.dispose([x, h0, ...Object.values(params)]);
  });
});
