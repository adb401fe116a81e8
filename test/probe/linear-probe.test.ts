import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/select.js';
import { Rng } from '../../src/backend/random.js';
import { trainLinearProbe, type FeatureSet } from '../../src/probe/linear-probe.js';
import { classificationReport } from '../../src/probe/metrics.js';
import { expectNoLeaks } from '../helpers/leaks.js';

before(async () => {
  await initBackend('cpu');
});

/** Rows whose features are a class centre plus noise: a linear probe can read the label off. */
function clusters(rows: number, classes: number, dim: number, rng: Rng, noise = 0.3): FeatureSet {
  const centres = Array.from({ length: classes * dim }, () => rng.normal());
  const x = new Float32Array(rows * dim);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = r % classes;
    for (let d = 0; d < dim; d++) x[r * dim + d] = centres[y[r]! * dim + d]! + noise * rng.normal();
  }
  return { x, y, dim };
}

const options = {
  classes: 5,
  learningRate: 1e-2,
  epochs: 30,
  batchSize: 16,
  seed: 3,
  init: 'torch' as const,
};

it('reaches ~100 % when the features carry the label', async () => {
  const rng = new Rng(1);
  const data = clusters(400, 5, 8, rng);
  const train: FeatureSet = { x: data.x.subarray(0, 300 * 8), y: data.y.subarray(0, 300), dim: 8 };
  const test: FeatureSet = { x: data.x.subarray(300 * 8), y: data.y.subarray(300), dim: 8 };
  const result = await expectNoLeaks(
    () => trainLinearProbe([train], test, options),
    'trainLinearProbe',
  );
  assert.ok(result.accuracy >= 0.98, `accuracy ${result.accuracy}`);
  assert.equal(result.items, 100);
  assert.ok(result.perClass.every((a) => a !== null && a >= 0.9));
});

it('stays near chance on shuffled labels', () => {
  const rng = new Rng(2);
  const data = clusters(400, 5, 8, rng);
  const y = rng.shuffle([...data.y]);
  const train: FeatureSet = {
    x: data.x.subarray(0, 300 * 8),
    y: Int32Array.from(y.slice(0, 300)),
    dim: 8,
  };
  const test: FeatureSet = {
    x: data.x.subarray(300 * 8),
    y: Int32Array.from(y.slice(300)),
    dim: 8,
  };
  const result = trainLinearProbe([train], test, options);
  assert.ok(result.accuracy < 0.4, `accuracy ${result.accuracy} on shuffled labels (chance 0.2)`);
});

it('trains on grouped rows (utterances) and skips unlabelled rows', () => {
  const rng = new Rng(4);
  const data = clusters(200, 4, 6, rng);
  const y = Int32Array.from(data.y);
  y[0] = -1;
  const set: FeatureSet = { x: data.x, y, dim: 6, groups: Int32Array.from([0, 50, 120, 200]) };
  const result = trainLinearProbe([set], set, { ...options, classes: 4, batchSize: 1 });
  assert.equal(result.items, 199);
  assert.ok(result.accuracy > 0.95);
});

it('classificationReport: per-class accuracy, majority baseline and most confused pairs', () => {
  const labels = Int32Array.from([0, 0, 0, 1, 1, 2, -1]);
  const preds = Int32Array.from([0, 1, 1, 1, 0, 2, 2]);
  const r = classificationReport(labels, preds, 4);
  assert.equal(r.items, 6);
  assert.equal(r.accuracy, 3 / 6);
  assert.deepEqual(r.perClass, [1 / 3, 1 / 2, 1, null]);
  assert.equal(r.majorityBaseline, 3 / 6);
  assert.deepEqual(r.confusedPairs[0], { trueClass: 0, predicted: 1, count: 2, rate: 2 / 3 });
  assert.equal(r.confusedPairs.length, 2);
});

it('standardize: tiny-scale features become learnable in a short budget (same function class)', () => {
  const rng = new Rng(5);
  const data = clusters(300, 5, 8, rng);
  const tiny: FeatureSet = { x: data.x.map((v) => v * 1e-4 + 3), y: data.y, dim: 8 };
  const short = { ...options, epochs: 3 };
  const plain = trainLinearProbe([tiny], tiny, short);
  const scaled = trainLinearProbe([tiny], tiny, { ...short, standardize: true });
  assert.ok(scaled.accuracy > 0.95, `standardized ${scaled.accuracy}`);
  assert.ok(
    plain.accuracy < scaled.accuracy,
    `plain ${plain.accuracy} vs standardized ${scaled.accuracy}`,
  );
});
