import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFloat16Bits, toFloat16Bits } from '../../src/cache/float16.js';
import {
  readManifest,
  readShard,
  writeActivationCache,
  type LazyItemBatch,
} from '../../src/cache/activation-cache.js';
import { CacheSource } from '../../src/cache/cache-source.js';

it('float16: exact for representable values, round-to-nearest-even, inf/nan/subnormals', () => {
  for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, 1.5, -1024, 0.333251953125])
    assert.equal(fromFloat16Bits(toFloat16Bits(v)), v);
  assert.equal(toFloat16Bits(1 + 2 ** -11), toFloat16Bits(1)); // tie → even
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 3 * 2 ** -11)), 1 + 2 * 2 ** -10); // tie → even (up)
  assert.equal(fromFloat16Bits(toFloat16Bits(1e6)), Infinity);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN))));
  assert.equal(fromFloat16Bits(toFloat16Bits(1e-9)), 0);
  for (let i = 0; i < 1000; i++) {
    const v = (i - 500) * 0.731;
    assert.ok(
      Math.abs(fromFloat16Bits(toFloat16Bits(v)) - v) <= Math.abs(v) * 2 ** -11 + 1e-7,
      `${v}`,
    );
  }
});

/** 10 batches of 3 items of shape [2, 2]; item i holds the values i, i+0.25, i+0.5, i+0.75. */
function* items(computed: number[], failAfter = Infinity): Generator<LazyItemBatch> {
  for (let b = 0; b < 10; b++) {
    yield {
      count: 3,
      compute: () => {
        if (b >= failAfter) throw new Error('interrupted');
        computed.push(b);
        const values = new Float32Array(12);
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 4; j++) values[i * 4 + j] = b * 3 + i + j / 4;
        return {
          values,
          label: Int32Array.from([b, b, b]),
          position: Int32Array.from([0, 160, 320]),
        };
      },
    };
  }
}

const opts = {
  module: 1,
  source: 'test',
  itemShape: [2, 2],
  dtype: 'float16' as const,
  shardItems: 4,
  sampling: 'fixed',
};

it('writes shards + manifest; an interrupted write resumes from verified shards and skips their items', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-cache-'));
  try {
    await assert.rejects(
      () =>
        writeActivationCache(
          dir,
          (async function* () {
            yield* items([], 5);
          })(),
          opts,
        ),
      /interrupted/,
    );
    assert.equal(readManifest(dir), null, 'no manifest for an incomplete cache');
    // Corrupt the last finished shard: it must be rewritten, not used.
    const progress = JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')).shards;
    assert.equal(progress.length, 3); // 15 items written in batches → 3 full shards of 4
    writeFileSync(join(dir, progress[2].file), 'garbage');
    const computed: number[] = [];
    const manifest = await writeActivationCache(
      dir,
      (async function* () {
        yield* items(computed);
      })(),
      opts,
    );
    assert.ok(manifest, 'the write was not stopped');
    assert.deepEqual(
      computed,
      [2, 3, 4, 5, 6, 7, 8, 9],
      'batches 0–1 (items 0–7, shards 0–1) were not recomputed',
    );
    assert.equal(manifest.items, 30);
    assert.deepEqual(
      manifest.shards.map((s) => s.items),
      [4, 4, 4, 4, 4, 4, 4, 2],
    );
    const all: number[] = [];
    manifest.shards.forEach((_, i) => all.push(...readShard(dir, manifest, i).values));
    assert.deepEqual(
      all,
      Array.from({ length: 120 }, (_, k) => Math.floor(k / 4) + (k % 4) / 4),
    );
    assert.deepEqual(Array.from(readShard(dir, manifest, 7).label), [9, 9]);
    writeFileSync(join(dir, manifest.shards[0]!.file), 'x');
    assert.throws(() => readShard(dir, manifest, 0), /corrupt \(checksum mismatch\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('CacheSource: every item once per epoch (full shards), one shard in memory, exact resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-cache-src-'));
  try {
    await writeActivationCache(
      dir,
      (async function* () {
        yield* items([]);
      })(),
      { ...opts, dtype: 'float32' },
    );
    const a = new CacheSource(dir, 2, 5);
    const firstEpoch = new Set<number>();
    for (let i = 0; i < 14; i++) {
      const batch = await a.next(); // 7 full shards × 2 batches; the last shard (2 items) gives 1
      for (let b = 0; b < 2; b++) {
        firstEpoch.add(batch.values[b * 4]!);
        // Each item's label is the batch it was written in (see items()).
        assert.equal(batch.labels[b], Math.floor(batch.values[b * 4]! / 3));
      }
    }
    assert.ok(firstEpoch.size >= 26, `saw ${firstEpoch.size} distinct items`);
    const seq: number[] = [];
    const ref = new CacheSource(dir, 2, 9);
    for (let i = 0; i < 25; i++) seq.push((await ref.next()).values[0]!);
    const b = new CacheSource(dir, 2, 9);
    for (let i = 0; i < 11; i++) await b.next();
    const c = new CacheSource(dir, 2, 1);
    c.setState(JSON.parse(JSON.stringify(b.getState())));
    const rest: number[] = [];
    for (let i = 11; i < 25; i++) rest.push((await c.next()).values[0]!);
    assert.deepEqual(rest, seq.slice(11));
    assert.ok(existsSync(join(dir, 'manifest.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('reads a format-1 cache (audio: speaker/startSample) and refuses an unknown format by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-cache-v1-'));
  try {
    const written = await writeActivationCache(
      dir,
      (async function* () {
        yield* items([]);
      })(),
      opts,
    );
    // Rewrite it as the audio trainer did before labels were generalised.
    const manifestFile = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, format: 'gim-activation-cache/1' }));
    for (const shard of written!.shards) {
      const { label, position } = JSON.parse(readFileSync(join(dir, shard.labels), 'utf8'));
      writeFileSync(
        join(dir, shard.labels),
        JSON.stringify({ speaker: label, startSample: position }),
      );
    }
    const old = readManifest(dir)!;
    assert.deepEqual(Array.from(readShard(dir, old, 7).label), [9, 9]);
    assert.deepEqual(Array.from(readShard(dir, old, 7).position), [160, 320]);
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, format: 'gim-activation-cache/9' }));
    assert.throws(
      () => readManifest(dir),
      /gim-activation-cache\/2 or gim-activation-cache\/1, found "gim-activation-cache\/9"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
