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

it('standard error: binomial without groups, cluster-robust with groups (hand-computed)', () => {
  // 6 labelled items, 3 hits: p = 1/2; binomial SE·√(n/(n−1)) = √(6/5 · 6·0.25) / 6.
  const labels = Int32Array.from([0, 0, 0, 1, 1, 2, -1]);
  const preds = Int32Array.from([0, 1, 1, 1, 0, 2, 2]);
  const plain = classificationReport(labels, preds, 4);
  assert.equal(plain.standardErrorUnits, 6);
  assert.ok(Math.abs(plain.standardError - Math.sqrt((6 / 5) * 6 * 0.25) / 6) < 1e-12);
  assert.ok(Math.abs(plain.standardError - Math.sqrt((0.25 / 6) * (6 / 5))) < 1e-12);
  // Groups {0,1,2} (1 hit of 3), {3,4} (1 of 2), {5,6} (1 of 1 labelled): residuals h − p·n =
  // −0.5, 0, 0.5 → SE = √(3/2 · 0.5) / 6.
  const grouped = classificationReport(labels, preds, 4, 5, Int32Array.from([0, 3, 5, 7]));
  assert.equal(grouped.accuracy, 0.5);
  assert.equal(grouped.standardErrorUnits, 3);
  assert.ok(Math.abs(grouped.standardError - Math.sqrt(1.5 * 0.5) / 6) < 1e-12);
  // Perfectly correlated groups (all hit or all miss) widen the SE against the binomial one.
  const y = new Int32Array(40);
  const p = Int32Array.from({ length: 40 }, (_, i) => (Math.floor(i / 10) % 2 === 0 ? 0 : 1));
  const g = Int32Array.from([0, 10, 20, 30, 40]);
  const corr = classificationReport(y, p, 2, 5, g);
  const indep = classificationReport(y, p, 2);
  assert.equal(corr.standardErrorUnits, 4);
  assert.ok(corr.standardError > 3 * indep.standardError);
  assert.throws(() => classificationReport(y, p, 2, 5, Int32Array.from([0, 10])), /groups/);
});

it('standard error: agrees with a slow cluster bootstrap', () => {
  const rng = new Rng(11);
  const bounds = [0];
  while (bounds.at(-1)! < 600) bounds.push(bounds.at(-1)! + 1 + Math.floor(rng.uniform() * 12));
  const n = bounds.at(-1)!;
  const labels = new Int32Array(n);
  const preds = new Int32Array(n);
  for (let gi = 0; gi + 1 < bounds.length; gi++) {
    const skill = rng.uniform(); // a per-group hit rate: items within a group are correlated
    for (let i = bounds[gi]!; i < bounds[gi + 1]!; i++) preds[i] = rng.uniform() < skill ? 0 : 1;
  }
  const r = classificationReport(labels, preds, 2, 5, Int32Array.from(bounds));
  const G = bounds.length - 1;
  const accs: number[] = [];
  for (let b = 0; b < 2000; b++) {
    let hits = 0;
    let items = 0;
    for (let j = 0; j < G; j++) {
      const gi = Math.floor(rng.uniform() * G);
      for (let i = bounds[gi]!; i < bounds[gi + 1]!; i++) {
        items++;
        if (preds[i] === 0) hits++;
      }
    }
    accs.push(hits / items);
  }
  const mean = accs.reduce((a, v) => a + v, 0) / accs.length;
  const sd = Math.sqrt(accs.reduce((a, v) => a + (v - mean) ** 2, 0) / (accs.length - 1));
  assert.ok(Math.abs(r.standardError - sd) / sd < 0.1, `${r.standardError} vs bootstrap ${sd}`);
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
