import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { openLibriSpeech } from '../../src/audio/data/index.js';
import { resolveAudioConfig } from '../../src/audio/config.js';
import {
  resolveExperimentSettings,
  runAudioExperiment,
  type AudioMethod,
  type ExperimentEvent,
} from '../../src/audio/experiment.js';
import { loadCheckpoint } from '../../src/core/checkpoint.js';

const FIXTURE = 'test/fixtures/librispeech-micro';
const WINDOW = 3200;

before(async () => {
  await initBackend('wasm');
});

const model = resolveAudioConfig([
  {
    source: 'test',
    values: {
      encoder: { channels: 6, gruHidden: 5 },
      loss: { predictionSteps: 2 },
      train: { batchSize: 2, steps: 3, seed: 4 },
      data: { source: 'librispeech', dir: FIXTURE, windowSamples: WINDOW },
    },
  },
]);

const settings = (methods: AudioMethod[], extra: object = {}) =>
  resolveExperimentSettings([
    {
      source: 'test',
      values: {
        methods,
        probe: {
          perModule: true,
          speaker: { epochs: 2, windowDraws: 1, batchSize: 2, testWindowsPerUtterance: 3 },
          phone: { epochs: 1, learningRate: 1e-2 },
        },
        ...extra,
      },
    },
  ]);

it('settings: seeds and curve steps are checked (curve ascending, > 0)', () => {
  assert.deepEqual(settings(['gim'], { seeds: [1, 2], curve: [1, 3] }).curve, [1, 3]);
  assert.throws(
    () => settings(['gim'], { curve: [3, 1] }),
    /curve: expected training steps > 0 in ascending order/,
  );
  assert.throws(() => settings(['gim'], { curve: [0, 1] }), /ascending/);
  assert.throws(
    () => settings(['gim'], { seeds: [1.5] }),
    /seeds: expected an array of integers >= 0/,
  );
  // A repeated seed would train twice into one folder and count twice in the sd.
  assert.throws(() => settings(['gim'], { seeds: [1, 1] }), /seeds: expected each seed once/);
});

it('--curve: probes at each listed step, the same training losses as a run without it', async () => {
  const corpus = await openLibriSpeech(FIXTURE, { windowSamples: WINDOW });
  const root = mkdtempSync(join(tmpdir(), 'gim-curve-'));
  const losses = (events: ExperimentEvent[]) =>
    events.flatMap((e) => (e.kind === 'train' ? [[e.step, e.loss]] : []));
  try {
    const tensors = tf.memory().numTensors;
    const withCurve: ExperimentEvent[] = [];
    const [gim] = await runAudioExperiment({
      corpus,
      model,
      settings: settings(['gim'], { curve: [1, 3] }),
      checkpointRoot: join(root, 'a'),
      onEvent: (e) => withCurve.push(e),
    });
    const without: ExperimentEvent[] = [];
    await runAudioExperiment({
      corpus,
      model,
      settings: settings(['gim']),
      checkpointRoot: join(root, 'b'),
      onEvent: (e) => without.push(e),
    });
    assert.equal(tf.memory().numTensors, tensors, 'no tensor leaks');
    assert.equal(losses(withCurve).length, 3);
    assert.deepEqual(losses(withCurve), losses(without));
    assert.deepEqual(
      gim!.curve!.map((p) => p.step),
      [1, 3],
    );
    for (const point of gim!.curve!) {
      assert.equal(point.modules.length, 6, 'every module');
      for (const m of point.modules) assert.ok(m.speaker && m.phone);
    }
    assert.equal(gim!.curve![1]!.modules, gim!.modules, 'the last point is the final row');
    // 3 steps: the first and last 10 % are one step each, whose module mean the events report.
    const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.equal(gim!.firstLoss.length, 6);
    assert.ok(Math.abs(meanOf(gim!.firstLoss) - losses(withCurve)[0]![1]!) < 1e-6);
    assert.ok(Math.abs(meanOf(gim!.finalLoss) - losses(withCurve)[2]![1]!) < 1e-6);
    const saved = loadCheckpoint<{ step: number }>(join(root, 'a', 'curve', 'gim', 'step-1'));
    assert.equal(saved.meta.step, 1);
    // The step-1 encoder is not the trained one: its probes were computed on other features.
    assert.notDeepEqual(
      gim!.curve![0]!.modules.map((m) => m.phone!.accuracy),
      gim!.modules.map((m) => m.phone!.accuracy),
    );
    await assert.rejects(
      runAudioExperiment({
        corpus,
        model,
        settings: settings(['gim'], { curve: [1] }),
        checkpointRoot: null,
      }),
      /curve: expected a checkpoint folder/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it('--seeds: one row per seed and method, model seed varied, the same fixed test windows', async () => {
  const corpus = await openLibriSpeech(FIXTURE, { windowSamples: WINDOW });
  const rows = await runAudioExperiment({
    corpus,
    model,
    settings: settings(['random', 'mfcc'], { seeds: [1, 2] }),
    checkpointRoot: null,
  });
  assert.deepEqual(
    rows.map((r) => [r.method, r.seed, r.config?.train.seed ?? null]),
    [
      ['random', 1, 1],
      ['mfcc', 1, null],
      ['random', 2, 2],
      ['mfcc', 2, null],
    ],
  );
  for (const r of rows) {
    const top = r.modules[r.modules.length - 1]!;
    assert.equal(top.speaker!.items, 2 * 3);
    assert.equal(top.speaker!.standardErrorUnits, 2);
  }
  // MFCC has no model seed: the same windows and probe seed give the same scores.
  assert.deepEqual(rows[1]!.modules, rows[3]!.modules);
  assert.equal(rows[0]!.modules[5]!.dim, 5, 'GRU width of the random gim-6 encoder');
  for (const r of rows) assert.deepEqual([r.firstLoss, r.finalLoss], [[], []], 'untrained');
});
