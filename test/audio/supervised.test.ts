import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { resolveAudioConfig, type AudioLayout } from '../../src/audio/config.js';
import { SupervisedAudioModel } from '../../src/audio/supervised.js';
import { trainModuleStep } from '../../src/core/train-step.js';

before(async () => {
  await initBackend('cpu');
});

const SAMPLES = 1600;
const encoderFor = (layout: AudioLayout) =>
  resolveAudioConfig([
    {
      source: 'test',
      values: {
        encoder: { channels: 6, gruHidden: 5, layout },
        loss: { predictionSteps: 2 },
        data: { windowSamples: SAMPLES },
      },
    },
  ]).encoder;

const snapshot = (model: SupervisedAudioModel): Float32Array[][] =>
  model.modules.map((m) => m.parameters().map((v) => v.dataSync().slice() as Float32Array));
const moved = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.some((x, i) => x.some((v, j) => v !== b[i]![j]));

function batch(rng: Rng, size: number): { audio: Float32Array; speakers: Int32Array } {
  const audio = Float32Array.from({ length: size * SAMPLES }, () => rng.normal());
  return { audio, speakers: Int32Array.from({ length: size }, (_, i) => i % 3) };
}

it('greedy supervised: a module step on its own head moves only that module', () => {
  const model = new SupervisedAudioModel(encoderFor('gim-6'), 3, 1e-2, 1);
  const rng = new Rng(2);
  const { audio, speakers } = batch(rng, 4);
  const before = snapshot(model);
  const x = tf.tensor3d(audio, [4, SAMPLES, 1]); // [B, T, 1]
  const targets = tf.tensor1d(speakers, 'int32');
  const z1 = tf.tidy(() => model.modules[0]!.forward(x).z); // module 1's output, outside any gradient closure
  model.modules[1]!.targets = targets;
  const { z } = trainModuleStep(model.modules[1]!, model.optimizers[1]!, z1, rng);
  const after = snapshot(model);
  after.forEach((params, m) =>
    assert.equal(
      moved(before[m]!, params),
      m === 1,
      `module ${m + 1} ${m === 1 ? 'should' : 'should not'} move`,
    ),
  );
  tf.dispose([x, targets, z1, z]);
  model.dispose();
});

it('greedy supervised: one stack step updates every module with its own head, and the loss falls', () => {
  const model = new SupervisedAudioModel(encoderFor('gim-6'), 3, 1e-2, 1);
  const rng = new Rng(3);
  const { audio, speakers } = batch(rng, 6);
  const before = snapshot(model);
  const first = model.trainStep(audio, speakers, SAMPLES, rng);
  assert.equal(first.length, 6);
  snapshot(model).forEach((params, m) =>
    assert.ok(moved(before[m]!, params), `module ${m + 1} did not move`),
  );
  let last = first;
  for (let i = 0; i < 15; i++) last = model.trainStep(audio, speakers, SAMPLES, rng);
  assert.ok(last[5]!.loss < first[5]!.loss, `top head loss ${first[5]!.loss} → ${last[5]!.loss}`);
  model.dispose();
});

it('end-to-end supervised (cpc layout) is one module whose representation is the GRU context', () => {
  const model = new SupervisedAudioModel(encoderFor('cpc'), 3, 1e-3, 1);
  assert.equal(model.modules.length, 1);
  const reps = model.representations(tf.zeros([2, SAMPLES, 1]));
  assert.deepEqual(reps[0]!.shape, [2, SAMPLES / 160, 5]);
  tf.dispose(reps);
  model.dispose();
});

it('supervised training refuses a batch of one window (its head standardises over the batch)', () => {
  const model = new SupervisedAudioModel(encoderFor('cpc'), 3, 1e-3, 1);
  const { audio } = batch(new Rng(4), 1);
  const before = tf.memory().numTensors;
  assert.throws(
    () => model.trainStep(audio, Int32Array.of(0), SAMPLES, new Rng(5)),
    /train\.batchSize: expected at least 2 .*found 1/,
  );
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
