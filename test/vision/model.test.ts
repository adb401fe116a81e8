import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { Adam } from '../../src/nn/adam.js';
import { initBackend } from '../../src/backend/select.js';
import { resolveVisionConfig, visionGridSize } from '../../src/vision/config.js';
import { SupervisedHead, VisionGimModel, encoderStageSpecs } from '../../src/vision/model.js';
import { EncoderStage } from '../../src/vision/encoder.js';
import { parameterCount } from '../../src/nn/module.js';
import { buildVisionModel } from '../../src/vision/trainer.js';
import { trainModuleStep, trainStackStep } from '../../src/core/train-step.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { expectNoLeaks } from '../helpers/leaks.js';

const TINY = {
  encoder: { block: 'basic', blocks: [1, 1], planes: [2, 3], stemChannels: 2 },
} as const;

describe('vision model (paper size)', () => {
  it('encoder parameters per module: 216,064 / 1,216,000 / 7,088,128 (ResNet-50 stages, grey)', async () => {
    await initBackend('cpu');
    // The encoder stages alone (the W_k heads would add 6.9M more parameters to draw).
    const stages = encoderStageSpecs(resolveVisionConfig().encoder, 1).map(
      (spec) => new EncoderStage(spec, new Rng(1)),
    );
    assert.deepEqual(
      stages.map((s) => parameterCount(s)),
      [216_064, 1_216_000, 7_088_128],
    );
    assert.deepEqual(
      stages.map((s) => s.outChannels),
      [256, 512, 1024],
    );
    stages.forEach((s) => s.dispose());
  });

  it('config rejects K that leaves no target row, and planes/blocks of different lengths', () => {
    assert.throws(
      () => resolveVisionConfig([{ source: 't', values: { loss: { predictionSteps: 6 } } }]),
      /predictionSteps/,
    );
    assert.throws(
      () => resolveVisionConfig([{ source: 't', values: { encoder: { planes: [1, 2] } } }]),
      /encoder\.planes/,
    );
  });
});

forEachBackend('vision model', () => {
  it('STL-10 geometry: per-patch maps 16² → 8² → 4², grids [B, 7, 7, C] (width 1/16)', async () => {
    const config = resolveVisionConfig([
      {
        source: 't',
        values: {
          encoder: { widthMultiplier: 1 / 16, blocks: [1, 1, 1] },
          data: { source: 'stl10', dir: '/nonexistent' },
        },
      },
    ]);
    const model = buildVisionModel(config);
    const x = tf.randomNormal([49, 16, 16, 1]); // one image: 49 patches
    await expectNoLeaks(() => {
      tf.tidy(() => {
        let input: tf.Tensor = x;
        const shapes = model.modules.map((m) => {
          const { z, grid } = m.forward(input);
          input = z;
          return [z.shape, grid.shape];
        });
        assert.deepEqual(shapes, [
          [
            [49, 16, 16, 16],
            [1, 7, 7, 16],
          ],
          [
            [49, 8, 8, 32],
            [1, 7, 7, 32],
          ],
          [
            [49, 4, 4, 64],
            [1, 7, 7, 64],
          ],
        ]);
      });
    }, 'forward');
    x.dispose();
    model.dispose();
  });

  it('simultaneous step: module 1 moves exactly as when trained alone (gradient isolation)', async () => {
    const config = resolveVisionConfig([{ source: 't', values: TINY }]);
    const G = visionGridSize(config.data);
    const a = buildVisionModel(config);
    const b = buildVisionModel(config);
    const x = tf.randomNormal([2 * G * G, 8, 8, 1], 0, 1, 'float32', 5);
    const optA = a.modules.map((m) => new Adam(m.namedParameters(), 1e-2));
    const optB = new Adam(b.modules[0]!.namedParameters(), 1e-2);
    const before = b.modules[1]!.parameters().map((p) => p.dataSync().slice());
    await expectNoLeaks(() => {
      const stats = trainStackStep(a.modules, optA, x, new Rng(9));
      assert.ok(stats.every((s) => s !== null && Number.isFinite(s.loss)));
      trainModuleStep(b.modules[0]!, optB, x, new Rng(9)).z.dispose();
    }, 'steps');
    a.modules[0]!.parameters().forEach((p, i) =>
      assertAllClose(
        p.dataSync(),
        b.modules[0]!.parameters()[i]!.dataSync(),
        { rtol: 0, atol: 0 },
        p.name,
      ),
    );
    // Module 2 of `a` trained; module 2 of `b` did not.
    assert.ok(
      a.modules[1]!.parameters().some((p, i) => p.dataSync().some((v, j) => v !== before[i]![j])),
    );
    tf.dispose(x);
    [...optA, optB].forEach((o) => o.dispose());
    a.dispose();
    b.dispose();
  });

  it('CPC layout: one module with a PixelCNN head; representations give every stage', async () => {
    const config = resolveVisionConfig([
      { source: 't', values: { ...TINY, encoder: { ...TINY.encoder, layout: 'cpc' } } },
    ]);
    const model = buildVisionModel(config);
    assert.equal(model.modules.length, 1);
    const x = tf.randomNormal([2 * 49, 8, 8, 1]);
    const opt = new Adam(model.modules[0]!.namedParameters(), 1e-3);
    await expectNoLeaks(() => {
      trainStackStep(model.modules, [opt], x, new Rng(1));
      const reps = model.representations(x);
      assert.deepEqual(
        reps.map((r) => r.shape),
        [
          [2, 7, 7, 2],
          [2, 7, 7, 3],
        ],
      );
      tf.dispose(reps);
    }, 'cpc step');
    tf.dispose(x);
    opt.dispose();
    model.dispose();
  });

  it('supervised head: zero classifier gives log(classes); labels are required', async () => {
    const head = new SupervisedHead(3, 10, new Rng(1));
    head.classifier.weight.assign(tf.zeros([3, 10]));
    head.classifier.bias!.assign(tf.zeros([10]));
    const grid = tf.randomNormal([2, 7, 7, 3]);
    assert.throws(() => head.compute(grid), /labels/);
    head.setLabels(Int32Array.from([3, 7]));
    const { loss, accuracy } = head.compute(grid);
    assertAllClose(loss.dataSync(), [Math.log(10)], { rtol: 1e-6 }, 'loss');
    assert.ok(accuracy.dataSync()[0]! >= 0);
    tf.dispose([grid, loss, accuracy]);
    head.dispose();
  });
});

describe('vision model construction', () => {
  it('greedy supervised: one supervised head per module', () => {
    const config = resolveVisionConfig([
      { source: 't', values: { ...TINY, loss: { objective: 'supervised' } } },
    ]);
    const model: VisionGimModel = buildVisionModel(config);
    assert.ok(model.modules.every((m) => m.head instanceof SupervisedHead));
    model.dispose();
  });
});
