/**
 * Every GIM capability for vision, through the shared Trainer: gradient isolation, the
 * sequential schedule, update periods, --add-module and the activation cache (exact resume,
 * also after a corrupted shard). Exactness is checked bit for bit on cpu and wasm.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyImageSet } from '../helpers/tiny-images.js';
import { resolveVisionConfig, type VisionGimConfig } from '../../src/vision/config.js';
import { VisionBatchSource } from '../../src/vision/data.js';
import { VisionTrainer } from '../../src/vision/trainer.js';
import { ConfigError } from '../../src/errors.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectNoLeaks } from '../helpers/leaks.js';

/** Three one-block stages (three modules), 4 images per batch. */
const config = (values: object = {}): VisionGimConfig =>
  resolveVisionConfig([
    {
      source: 'test',
      values: {
        encoder: { block: 'basic', blocks: [1, 1, 1], planes: [2, 3, 4], stemChannels: 2 },
        train: { batchSize: 4, learningRate: 1e-2, steps: 4 },
      },
    },
    { source: 'case', values },
  ]);
const source = (c: VisionGimConfig) => new VisionBatchSource(tinyImageSet(), c.data, 4, 7);
const weights = (t: VisionTrainer) =>
  t.model.modules.map((m) => m.parameters().map((p) => Array.from(p.dataSync())));
const lossesOf = (records: { modules: readonly ({ loss: number } | null)[] }[]) =>
  records.map((r) => r.modules.map((m) => m?.loss ?? null));

forEachBackend(
  'vision schedules',
  () => {
    it("gradient isolation: module 1's update does not depend on the modules above it", async () => {
      for (const objective of ['infonce', 'supervised'] as const) {
        const alone = VisionTrainer.create(
          config({ loss: { objective }, encoder: { depth: 1 }, train: { steps: 1 } }),
          source(config()),
        );
        const stacked = VisionTrainer.create(
          config({ loss: { objective }, train: { steps: 1 } }),
          source(config()),
        );
        await alone.run(null);
        await stacked.run(null);
        // Same initial weights, batch and negatives (module 1 draws first); if a loss above
        // leaked into module 1's gradient its weights would differ.
        assert.deepEqual(weights(stacked)[0], weights(alone)[0], objective);
        alone.dispose();
        stacked.dispose();
      }
    });

    it("'sequential': one module at a time; a step changes only the module it trains", async () => {
      const t = VisionTrainer.create(
        config({ train: { schedule: 'sequential', stepsPerModule: 1, steps: 3 } }),
        source(config()),
      );
      for (let m = 0; m < 3; m++) {
        const before = weights(t);
        const r = await t.trainStep();
        const after = weights(t);
        assert.deepEqual(
          r.modules.map((s) => s !== null),
          [0, 1, 2].map((i) => i === m),
        );
        for (let i = 0; i < 3; i++)
          if (i === m) assert.notDeepEqual(after[i], before[i], `module ${i + 1} did not train`);
          else assert.deepEqual(after[i], before[i], `module ${i + 1} changed on step ${m + 1}`);
      }
      t.dispose();
    });

    it('update periods: module m steps every p_m batches, and only the stepping modules change', async () => {
      const t = VisionTrainer.create(
        config({ train: { updatePeriods: [1, 2, 4] } }),
        source(config()),
      );
      const active: boolean[][] = [];
      for (let s = 0; s < 4; s++) {
        const before = weights(t);
        const r = await t.trainStep();
        const after = weights(t);
        active.push(r.modules.map((m) => m !== null));
        r.modules.forEach((m, i) =>
          m ? assert.notDeepEqual(after[i], before[i]) : assert.deepEqual(after[i], before[i]),
        );
      }
      assert.deepEqual(active, [
        [true, true, true],
        [true, false, false],
        [true, true, false],
        [true, false, false],
      ]);
      t.dispose();
      assert.throws(() => config({ train: { updatePeriods: [1, 2] } }), ConfigError);
    });

    it('--add-module: earlier modules stay bit-identical, only the new module trains', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gim-vision-grow-'));
      try {
        const base = config({ encoder: { depth: 2 }, train: { steps: 2 } });
        const t1 = VisionTrainer.create(base, source(base));
        await t1.run(dir);
        const before = weights(t1);
        t1.dispose();
        const grown = config({ encoder: { depth: 3 }, train: { steps: 4 } });
        const t2 = await VisionTrainer.resume(dir, grown, source(grown), 'test', {
          addModule: true,
        });
        assert.equal(t2.model.modules.length, 3);
        const records = await t2.run(dir);
        assert.deepEqual(
          records.map((r) => r.modules.map((m) => m !== null)),
          [
            [false, false, true],
            [false, false, true],
          ],
        );
        assert.deepEqual(weights(t2).slice(0, 2), before);
        t2.dispose();
        // Resuming the grown run without --add-module needs the grown config.
        await assert.rejects(
          () => VisionTrainer.resume(dir, base, source(base)),
          /encoder\.depth is 3 in the checkpoint but 2 was requested/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("'sequential' + cache: exact resume, also after a stop mid-build and a corrupted shard", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gim-vision-cache-'));
      const dir2 = mkdtempSync(join(tmpdir(), 'gim-vision-cache2-'));
      try {
        const c = config({
          loss: { objective: 'supervised' }, // the cache carries each image's label
          train: { steps: 6, schedule: 'sequential', stepsPerModule: 2 },
          cache: { enabled: true, images: 12, shardItems: 4, dtype: 'float32' },
        });
        const full = VisionTrainer.create(c, source(c));
        const fullLosses = lossesOf(await full.run(dir));
        full.dispose();
        const manifest = JSON.parse(
          readFileSync(join(dir, 'cache', 'module1', 'manifest.json'), 'utf8'),
        );
        assert.deepEqual(manifest.itemShape, [49, 8, 8, 2]); // per image: 7×7 patches of 8×8×2 maps
        assert.equal(manifest.items, 12);
        const labels = JSON.parse(
          readFileSync(join(dir, 'cache', 'module1', 'labels-00000.json'), 'utf8'),
        );
        assert.deepEqual(labels, { label: [0, 1, 2, 3], position: [0, 1, 2, 3] });
        assert.ok(existsSync(join(dir, 'cache', 'module2', 'manifest.json')));

        // Stop once 8 of 12 images are cached (two 4-image shards finished), corrupt the second.
        let stop = false;
        const part = VisionTrainer.create(c, source(c));
        const partLosses = lossesOf(
          await part.run(dir2, { shouldStop: () => stop, onCache: (_m, n) => (stop = n >= 8) }),
        );
        part.dispose();
        assert.equal(partLosses.length, 2, 'stopped while caching module 1 after step 2');
        const cacheDir = join(dir2, 'cache', 'module1');
        const kept = JSON.parse(readFileSync(join(cacheDir, 'progress.json'), 'utf8')).shards;
        assert.equal(kept.length, 2);
        const inode = statSync(join(cacheDir, kept[0].file)).ino;
        writeFileSync(join(cacheDir, kept[1].file), 'corrupt');
        const resumed = await VisionTrainer.resume(dir2, c, source(c));
        const restLosses = lossesOf(await resumed.run(dir2));
        resumed.dispose();
        assert.equal(
          statSync(join(cacheDir, kept[0].file)).ino,
          inode,
          'a good shard was rewritten',
        );
        assert.deepEqual([...partLosses, ...restLosses], fullLosses);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(dir2, { recursive: true, force: true });
      }
    });

    it('a whole sequential run with cache builds leaves no tensors behind', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gim-vision-leak-'));
      try {
        const c = config({
          train: { steps: 6, schedule: 'sequential', stepsPerModule: 2 },
          cache: { enabled: true, images: 8, shardItems: 8 },
        });
        await expectNoLeaks(async () => {
          const t = VisionTrainer.create(c, source(c));
          await t.run(dir);
          t.dispose();
        }, 'sequential vision run with the cache');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
  ['cpu', 'wasm'],
);
