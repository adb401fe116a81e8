import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { AudioTrainer } from '../../src/audio/trainer.js';
import { ToneSource } from '../../src/audio/batches.js';
import { resolveAudioConfig, type AudioGimConfig } from '../../src/audio/config.js';
import { ConfigError } from '../../src/errors.js';

const config = (values: object): AudioGimConfig =>
  resolveAudioConfig([
    {
      source: 'test',
      values: {
        encoder: { channels: 6, gruHidden: 5 },
        loss: { predictionSteps: 3, negativeSamples: 4 },
        train: { batchSize: 2, learningRate: 1e-3 },
        data: { windowSamples: 2560 },
      },
    },
    { source: 'case', values },
  ]);
const tones = (c: AudioGimConfig) =>
  new ToneSource(c.train.seed, c.train.batchSize, c.data.windowSamples);
const weights = (t: AudioTrainer) =>
  t.model.modules.map((m) => m.parameters().map((p) => Array.from(p.dataSync())));

before(async () => {
  await initBackend('wasm');
});

it('--add-module: earlier modules stay bit-identical, only the new module trains', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-add-'));
  try {
    const base = config({ encoder: { depth: 2 }, train: { steps: 2 } });
    const t1 = AudioTrainer.create(base, tones(base));
    assert.equal(t1.model.modules.length, 2);
    await t1.run(dir);
    const before = weights(t1);
    t1.dispose();
    const grown = config({ encoder: { depth: 3 }, train: { steps: 4 } });
    const t2 = await AudioTrainer.resume(dir, grown, tones(grown), { addModule: true });
    assert.equal(t2.model.modules.length, 3);
    const newBefore = weights(t2)[2]!;
    const records = await t2.run(dir);
    const after = weights(t2);
    t2.dispose();
    assert.deepEqual(after.slice(0, 2), before, 'earlier modules changed');
    assert.notDeepEqual(after[2], newBefore, 'the new module did not train');
    for (const r of records)
      assert.deepEqual(
        r.modules.map((m) => m !== null),
        [false, false, true],
      );
    // Resuming a grown run without --add-module needs the grown config.
    await assert.rejects(
      () => AudioTrainer.resume(dir, base, tones(base)),
      /encoder\.depth is 3 in the checkpoint but 2 was requested/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("--add-module on a sequential run with the cache builds the new module's input cache", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-add-cache-'));
  try {
    const cached = { enabled: true, toneItems: 8, shardItems: 4, dtype: 'float32' };
    const base = config({
      encoder: { depth: 2 },
      train: { steps: 4, schedule: 'sequential', stepsPerModule: 2 },
      cache: cached,
    });
    const t1 = AudioTrainer.create(base, tones(base));
    await t1.run(dir);
    const before = weights(t1);
    t1.dispose();
    assert.ok(existsSync(join(dir, 'cache', 'module1')), 'module 1 cache missing');
    assert.ok(!existsSync(join(dir, 'cache', 'module2')), 'no module reads module 2 outputs yet');
    const grown = config({
      encoder: { depth: 3 },
      train: { steps: 6, schedule: 'sequential', stepsPerModule: 2 },
      cache: cached,
    });
    const t2 = await AudioTrainer.resume(dir, grown, tones(grown), { addModule: true });
    const records = await t2.run(dir);
    const after = weights(t2);
    t2.dispose();
    assert.ok(existsSync(join(dir, 'cache', 'module2')), 'the new module read no cache');
    assert.deepEqual(after.slice(0, 2), before, 'earlier modules changed');
    assert.equal(records.length, 2);
    for (const r of records)
      assert.deepEqual(
        r.modules.map((m) => m !== null),
        [false, false, true],
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("'sequential': one module at a time for its budget, lower modules frozen", async () => {
  const c = config({
    encoder: { depth: 3 },
    train: { steps: 6, schedule: 'sequential', stepsPerModule: 2 },
  });
  const t = AudioTrainer.create(c, tones(c));
  const snapshots = [weights(t)];
  const active: boolean[][] = [];
  await t.run(null, {
    onStep: (r) => {
      active.push(r.modules.map((m) => m !== null));
      snapshots.push(weights(t));
    },
  });
  t.dispose();
  assert.deepEqual(active, [
    [true, false, false],
    [true, false, false],
    [false, true, false],
    [false, true, false],
    [false, false, true],
    [false, false, true],
  ]);
  for (let s = 0; s < 6; s++) {
    const trained = Math.floor(s / 2);
    snapshots[s]!.forEach((w, m) =>
      assert.equal(
        JSON.stringify(w) !== JSON.stringify(snapshots[s + 1]![m]),
        m === trained,
        `step ${s + 1}, module ${m + 1}`,
      ),
    );
  }
});

it('update periods: module m steps every p_m batches', async () => {
  const c = config({ encoder: { depth: 3 }, train: { steps: 4, updatePeriods: [1, 2, 4] } });
  const t = AudioTrainer.create(c, tones(c));
  const active: boolean[][] = [];
  await t.run(null, { onStep: (r) => active.push(r.modules.map((m) => m !== null)) });
  assert.deepEqual(
    t.optimizers.map((o) => o.step),
    [4, 2, 1],
  );
  t.dispose();
  assert.deepEqual(active, [
    [true, true, true],
    [true, false, false],
    [true, true, false],
    [true, false, false],
  ]);
  assert.throws(
    () => config({ train: { updatePeriods: [1, 2] } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /train\.updatePeriods: expected \[\] or 6 periods/.test(e.message),
  );
  assert.throws(() => config({ encoder: { depth: 7 } }), /encoder\.depth: expected at most 6/);
});

it("'sequential' + activation cache: later modules train from stored outputs; resume is exact", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-seqcache-'));
  const dir2 = mkdtempSync(join(tmpdir(), 'gim-seqcache2-'));
  try {
    const c = config({
      encoder: { depth: 3 },
      train: { steps: 6, schedule: 'sequential', stepsPerModule: 2 },
      cache: { enabled: true, toneItems: 16, shardItems: 8, dtype: 'float32' },
    });
    const full = AudioTrainer.create(c, tones(c));
    const cacheEvents: number[] = [];
    const fullLosses = (await full.run(dir, { onCache: (m) => cacheEvents.push(m) })).map((r) =>
      r.modules.map((m) => m?.loss ?? null),
    );
    full.dispose();
    assert.deepEqual([...new Set(cacheEvents)], [1, 2]);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'cache', 'module1', 'manifest.json'), 'utf8'),
    );
    assert.deepEqual(manifest.itemShape, [511, 6]);
    assert.equal(manifest.items, 16);
    // Interrupted at step 3 (module 2 training from module 1's cache), then resumed.
    const c3 = config({ ...c, train: { ...c.train, steps: 3 } });
    const part = AudioTrainer.create(c3, tones(c3));
    const partLosses = (await part.run(dir2)).map((r) => r.modules.map((m) => m?.loss ?? null));
    part.dispose();
    const resumed = await AudioTrainer.resume(dir2, c, tones(c));
    const restLosses = (await resumed.run(dir2)).map((r) => r.modules.map((m) => m?.loss ?? null));
    resumed.dispose();
    assert.deepEqual([...partLosses, ...restLosses], fullLosses);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});

it('a stop request during a cache build saves, keeps the finished shards, and resumes exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-cachestop-'));
  const dir2 = mkdtempSync(join(tmpdir(), 'gim-cachestop2-'));
  try {
    const c = config({
      encoder: { depth: 2 },
      train: { steps: 4, schedule: 'sequential', stepsPerModule: 2 },
      cache: { enabled: true, toneItems: 16, shardItems: 4, dtype: 'float32' },
    });
    const lossesOf = (records: { modules: readonly ({ loss: number } | null)[] }[]) =>
      records.map((r) => r.modules.map((m) => m?.loss ?? null));
    const full = AudioTrainer.create(c, tones(c));
    const fullLosses = lossesOf(await full.run(dir));
    full.dispose();
    // Stop once 10 of the 16 items are cached (two 4-item shards are finished by then).
    let stop = false;
    const part = AudioTrainer.create(c, tones(c));
    const partLosses = lossesOf(
      await part.run(dir2, {
        shouldStop: () => stop,
        onCache: (_m, items) => (stop = items >= 10),
      }),
    );
    part.dispose();
    assert.equal(partLosses.length, 2, 'stopped while caching module 1 after step 2');
    const cacheDir = join(dir2, 'cache', 'module1');
    assert.equal(existsSync(join(cacheDir, 'manifest.json')), false);
    const kept = JSON.parse(readFileSync(join(cacheDir, 'progress.json'), 'utf8')).shards;
    assert.equal(kept.length, 2);
    const inode = statSync(join(cacheDir, kept[0].file)).ino;
    const resumed = await AudioTrainer.resume(dir2, c, tones(c));
    assert.equal(resumed.step, 2);
    const restLosses = lossesOf(await resumed.run(dir2));
    resumed.dispose();
    assert.equal(
      statSync(join(cacheDir, kept[0].file)).ino,
      inode,
      'a finished shard was rewritten',
    );
    assert.deepEqual([...partLosses, ...restLosses], fullLosses);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dir2, { recursive: true, force: true });
  }
});
