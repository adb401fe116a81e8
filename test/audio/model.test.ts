import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { AudioGimModel, audioModuleSpecs } from '../../src/audio/model.js';
import {
  DEFAULT_AUDIO_CONFIG,
  encoderLengths,
  resolveAudioConfig,
} from '../../src/audio/config.js';
import { Adam } from '../../src/nn/adam.js';
import { parameterCount } from '../../src/nn/module.js';
import { trainModuleStep, trainStackStep } from '../../src/core/train-step.js';
import { toneBatch } from '../../src/audio/data/tones.js';
import { forEachBackend } from '../helpers/backends.js';

const small = (layout: 'gim-6' | 'gim-5' | 'cpc') =>
  resolveAudioConfig([
    {
      source: 'test',
      values: {
        encoder: { channels: 6, gruHidden: 5, layout },
        loss: { predictionSteps: 3, negativeSamples: 4 },
        train: { batchSize: 2 },
        data: { windowSamples: 2560 },
      },
    },
  ]);

function snapshot(model: AudioGimModel): Float32Array[][] {
  return model.modules.map((m) => m.parameters().map((p) => p.dataSync().slice() as Float32Array));
}

function changed(a: Float32Array, b: Float32Array): boolean {
  return a.some((v, i) => v !== b[i]);
}

it('encoder lengths for the paper window: 20480 → 4095 → 1023 → 512 → 257 → 128', () => {
  assert.deepEqual(
    encoderLengths(DEFAULT_AUDIO_CONFIG.encoder, 20480),
    [4095, 1023, 512, 257, 128],
  );
});

it('paper model parameter counts per module match the spec', () => {
  const model = new AudioGimModel(
    DEFAULT_AUDIO_CONFIG.encoder,
    DEFAULT_AUDIO_CONFIG.loss,
    new Rng(0),
  );
  const enc = model.modules.map((m) => m.encoderParameterCount());
  const pred = model.modules.map((m) => parameterCount(m.infoNce));
  assert.deepEqual(enc, [5632, 2_097_664, 1_049_088, 1_049_088, 1_049_088, 591_360]);
  assert.deepEqual(pred, [3_145_728, 3_145_728, 3_145_728, 3_145_728, 3_145_728, 1_572_864]);
  model.dispose();
});

it('module layouts: gim-6, gim-5 and cpc as explicit lists', () => {
  assert.deepEqual(audioModuleSpecs('cpc', 5), [{ convLayers: [0, 1, 2, 3, 4], hasGru: true }]);
  assert.equal(audioModuleSpecs('gim-6', 5).length, 6);
  assert.deepEqual(audioModuleSpecs('gim-5', 5)[4], { convLayers: [4], hasGru: true });
  assert.deepEqual(audioModuleSpecs('gim-6', 5)[5], { convLayers: [], hasGru: true });
});

forEachBackend('audio GIM', () => {
  it('module outputs have the encoder lengths and channels (small model, 2560 samples)', () => {
    const config = small('gim-6');
    const model = new AudioGimModel(config.encoder, config.loss, new Rng(1));
    const x = tf.tensor3d(toneBatch(1, 0, 2, 2560), [2, 2560, 1]);
    const reps = model.representations(x);
    assert.deepEqual(
      reps.map((r) => r.shape),
      [
        [2, 511, 6],
        [2, 127, 6],
        [2, 64, 6],
        [2, 33, 6],
        [2, 16, 6],
        [2, 16, 5],
      ],
    );
    tf.dispose([x, ...reps]);
    model.dispose();
  });

  it("a step on module m's loss changes module m and no other module", () => {
    const config = small('gim-6');
    const model = new AudioGimModel(config.encoder, config.loss, new Rng(2));
    const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 1e-2));
    const x = tf.tensor3d(toneBatch(2, 0, 2, 2560), [2, 2560, 1]);
    const rng = new Rng(3);
    for (const target of [0, 2, 5]) {
      // Module `target`'s input, computed outside its gradient closure.
      const input = target === 0 ? x : model.representations(x, target)[target - 1]!;
      const before = snapshot(model);
      const numTensors = tf.memory().numTensors;
      const { z } = trainModuleStep(model.modules[target]!, optimizers[target]!, input, rng);
      z.dispose();
      assert.equal(tf.memory().numTensors, numTensors, 'trainModuleStep leaked tensors');
      const after = snapshot(model);
      model.modules.forEach((_, m) => {
        const moved = before[m]!.some((p, i) => changed(p, after[m]![i]!));
        assert.equal(
          moved,
          m === target,
          `module ${m + 1} ${moved ? 'moved' : 'did not move'} after a step on module ${target + 1}`,
        );
      });
      if (input !== x) input.dispose();
    }
    x.dispose();
    for (const o of optimizers) o.dispose();
    model.dispose();
  });

  it('the 1-module (CPC) layout moves the lowest conv; a simultaneous GIM step moves every module', () => {
    for (const layout of ['cpc', 'gim-6'] as const) {
      const config = small(layout);
      const model = new AudioGimModel(config.encoder, config.loss, new Rng(4));
      const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 1e-2));
      const x = tf.tensor3d(toneBatch(4, 0, 2, 2560), [2, 2560, 1]);
      const before = snapshot(model);
      const numTensors = tf.memory().numTensors;
      const stats = trainStackStep(model.modules, optimizers, x, new Rng(5));
      assert.equal(tf.memory().numTensors, numTensors, 'trainStackStep leaked tensors');
      const after = snapshot(model);
      assert.equal(stats.length, layout === 'cpc' ? 1 : 6);
      const lowestConv = model.modules[0]!.convs[0]!.weight;
      const idx = model.modules[0]!.parameters().indexOf(lowestConv);
      assert.ok(changed(before[0]![idx]!, after[0]![idx]!), `${layout}: lowest conv did not move`);
      model.modules.forEach((_, m) =>
        assert.ok(
          before[m]!.some((p, i) => changed(p, after[m]![i]!)),
          `${layout}: module ${m + 1} did not move`,
        ),
      );
      for (const s of stats)
        assert.ok(s && Number.isFinite(s.loss) && s.accuracy >= 0 && s.accuracy <= 1);
      x.dispose();
      for (const o of optimizers) o.dispose();
      model.dispose();
    }
  });
});
