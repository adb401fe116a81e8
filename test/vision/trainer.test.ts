import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { tinyImageSet } from '../helpers/tiny-images.js';
import { resolveVisionConfig, type VisionGimConfig } from '../../src/vision/config.js';
import { VisionBatchSource } from '../../src/vision/data.js';
import { VisionTrainer, loadVisionModel } from '../../src/vision/trainer.js';
import { VisionMemoryError, checkStepMemory, estimateStepBytes } from '../../src/vision/memory.js';
import { buildVisionModel } from '../../src/vision/trainer.js';
import { Adam } from '../../src/nn/adam.js';
import { trainStackStep } from '../../src/core/train-step.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { CheckpointError } from '../../src/errors.js';

function tinyConfig(values: object = {}): VisionGimConfig {
  return resolveVisionConfig([
    {
      source: 'test',
      values: {
        encoder: { block: 'basic', blocks: [1, 1], planes: [2, 3], stemChannels: 2 },
        train: { batchSize: 4, learningRate: 1e-2, steps: 4 },
      },
    },
    { source: 'test', values },
  ]);
}

// Whole training runs: the cpu reference backend is too slow for them on a loaded machine; the
// numeric parity of the pieces is tested on every backend in the layer and loss tests.
forEachBackend(
  'VisionTrainer',
  (backend) => {
    for (const objective of ['infonce', 'supervised'] as const) {
      it(`resumes exactly: 2 + 2 steps equal 4 uninterrupted steps (${objective})`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'gim-vision-'));
        try {
          const config = tinyConfig({ loss: { objective } });
          const make = (): VisionBatchSource =>
            new VisionBatchSource(tinyImageSet(), config.data, 4, 7);
          const straight = VisionTrainer.create(config, make());
          const full = (await straight.run(null)).map((r) => r.modules.map((m) => m!.loss));
          straight.dispose();
          const first = VisionTrainer.create(
            resolveVisionConfig([
              {
                source: 't',
                values: { ...structuredClone(config), train: { ...config.train, steps: 2 } },
              },
            ]),
            make(),
          );
          await first.run(dir);
          first.dispose();
          const resumed = await VisionTrainer.resume(dir, config, make());
          assert.equal(resumed.step, 2);
          const rest = (await resumed.run(dir)).map((r) => r.modules.map((m) => m!.loss));
          resumed.dispose();
          if (backend === 'native') {
            // The native backend is not bit-reproducible from run to run (three identical
            // uninterrupted runs in one process differ by up to ~2e-5 from step 3), so compare closely.
            assertAllClose(
              rest.flat(),
              full.slice(2).flat(),
              { rtol: 1e-4, atol: 1e-6 },
              'resumed losses',
            );
          } else {
            assert.deepEqual(rest, full.slice(2));
          }
          // The saved model loads for evaluation.
          const loaded = loadVisionModel(dir);
          assert.equal(loaded.step, 4);
          loaded.model.dispose();
          // A different model config is refused.
          await assert.rejects(
            () =>
              VisionTrainer.resume(
                dir,
                tinyConfig({ loss: { objective }, train: { seed: 5 } }),
                make(),
              ),
            CheckpointError,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    it('the memory estimate is within 30% of the measured peak of a step', async () => {
      const config = tinyConfig({
        encoder: { block: 'bottleneck', blocks: [1, 1], planes: [4, 8], stemChannels: 4 },
      });
      const model = buildVisionModel(config);
      const opts = model.modules.map((m) => new Adam(m.namedParameters(), 1e-3));
      const x = tf.randomNormal([4 * 49, 8, 8, 1]);
      trainStackStep(model.modules, opts, x, new Rng(1)); // warm-up (Adam moments exist already)
      const info = await tf.profile(() => {
        trainStackStep(model.modules, opts, x, new Rng(2));
      });
      const estimate = estimateStepBytes(config, 4);
      const measured = info.peakBytes - tf.memory().numBytes;
      assert.ok(
        measured > 0 && estimate / measured < 1.3 && measured / estimate < 1.3,
        `estimate ${estimate} B vs measured peak ${measured} B`,
      );
      x.dispose();
      opts.forEach((o) => o.dispose());
      model.dispose();
    });
  },
  ['wasm', 'native'],
);

describe('vision memory check', () => {
  it('the paper model with batch 32 on STL-10 patches does not fit the 4 GiB wasm heap: clear message', () => {
    const config = resolveVisionConfig([
      { source: 't', values: { data: { source: 'stl10', dir: '/nonexistent' } } },
    ]);
    assert.throws(
      () => checkStepMemory(config, 'wasm'),
      (err: unknown) =>
        err instanceof VisionMemoryError &&
        /4 GiB heap of the wasm backend/.test(err.message) &&
        /largest batch that fits is about \d+ image/.test(err.message),
    );
  });
});
