import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { tf } from '../../src/backend/tf.js';
import { AudioTrainer, readCheckpointConfig } from '../../src/audio/trainer.js';
import { ToneSource, CorpusSource } from '../../src/audio/batches.js';
import { resolveAudioConfig } from '../../src/audio/config.js';
import { checkpointPath } from '../../src/core/checkpoint.js';
import { CheckpointError } from '../../src/errors.js';
import { Rng } from '../../src/backend/random.js';

const config = (steps: number, extra: object = {}) =>
  resolveAudioConfig([
    {
      source: 'test',
      values: {
        encoder: { channels: 6, gruHidden: 5 },
        loss: { predictionSteps: 3, negativeSamples: 4 },
        train: { batchSize: 2, steps, learningRate: 1e-3, ...extra },
        data: { windowSamples: 2560 },
      },
    },
  ]);

const tones = (c: ReturnType<typeof config>) =>
  new ToneSource(c.train.seed, c.train.batchSize, c.data.windowSamples);

before(async () => {
  await initBackend('wasm');
});

it('a resumed run gives exactly the losses of an uninterrupted run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-resume-'));
  try {
    const full = AudioTrainer.create(config(4), tones(config(4)));
    const fullLosses = (await full.run(null)).map((r) => r.modules.map((m) => m!.loss));
    full.dispose();

    const first = AudioTrainer.create(config(2), tones(config(2)));
    const firstLosses = (await first.run(dir)).map((r) => r.modules.map((m) => m!.loss));
    first.dispose();
    const resumed = await AudioTrainer.resume(dir, config(4), tones(config(4)));
    assert.equal(resumed.step, 2);
    const restLosses = (await resumed.run(dir)).map((r) => r.modules.map((m) => m!.loss));
    resumed.dispose();
    assert.deepEqual([...firstLosses, ...restLosses], fullLosses);
    assert.equal(readCheckpointConfig(dir).train.steps, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('every module starts near log(N+1) and a small model learns within 30 steps', async () => {
  const c = resolveAudioConfig([
    {
      source: 'test',
      values: {
        ...config(30),
        encoder: { ...config(30).encoder, channels: 16, gruHidden: 16 },
        train: { ...config(30).train, learningRate: 2e-3 },
      },
    },
  ]);
  const trainer = AudioTrainer.create(c, tones(c));
  const records = await trainer.run(null);
  trainer.dispose();
  const first = records[0]!.modules.map((m) => m!.loss);
  const last = records.slice(-5).map((r) => r.modules.map((m) => m!.loss));
  for (const l of first)
    assert.ok(Math.abs(l - Math.log(5)) < 0.5, `initial loss ${l} vs log(5) = ${Math.log(5)}`);
  first.forEach((l0, m) => {
    const mean = last.reduce((a, r) => a + r[m]!, 0) / last.length;
    assert.ok(
      mean < l0 - 0.02,
      `module ${m + 1}: loss ${l0.toFixed(3)} → ${mean.toFixed(3)} did not fall`,
    );
  });
});

it('resume rejects a checkpoint of another config and a corrupt one, leaving files intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-bad-'));
  try {
    const t = AudioTrainer.create(config(1), tones(config(1)));
    await t.run(dir);
    t.dispose();
    const other = resolveAudioConfig([
      { source: 'test', values: { ...config(1), encoder: { ...config(1).encoder, channels: 7 } } },
    ]);
    await assert.rejects(
      () => AudioTrainer.resume(dir, other, tones(other)),
      /encoder\.channels is 6 in the checkpoint but 7 was requested/,
    );
    const bytes = readFileSync(checkpointPath(dir));
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 3]! ^= 0xff;
    writeFileSync(checkpointPath(dir), corrupt);
    await assert.rejects(
      () => AudioTrainer.resume(dir, config(2), tones(config(2))),
      (e: unknown) => e instanceof CheckpointError && /checksum mismatch/.test(e.message),
    );
    writeFileSync(checkpointPath(dir), bytes.subarray(0, 100));
    await assert.rejects(
      () => AudioTrainer.resume(dir, config(2), tones(config(2))),
      /truncated|corrupt header/,
    );
    writeFileSync(checkpointPath(dir), 'hello');
    await assert.rejects(
      () => AudioTrainer.resume(dir, config(2), tones(config(2))),
      /not a greedy-infomax checkpoint/,
    );
    assert.ok(existsSync(checkpointPath(dir)), 'the rejected checkpoint is left in place');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('training steps leak no tensors', async () => {
  const c = config(3);
  const trainer = AudioTrainer.create(c, tones(c));
  await trainer.trainStep();
  const n = tf.memory().numTensors;
  await trainer.trainStep();
  await trainer.trainStep();
  assert.equal(tf.memory().numTensors, n);
  trainer.dispose();
});

it('CorpusSource resumes mid-epoch with the very next batch', async () => {
  // A fake corpus: 5 batches per epoch whose content depends on the epoch's Rng draws.
  const corpus = {
    async *epoch(_split: 'train', batchSize: number, rng: Rng) {
      const order = rng.permutation(5);
      for (const i of order)
        yield {
          audio: Float32Array.from({ length: batchSize }, () => i + rng.uniform()),
          speaker: new Int32Array(batchSize),
          startSample: new Int32Array(batchSize),
        };
    },
  };
  const a = new CorpusSource(corpus, 2, 9);
  const seq: number[] = [];
  for (let i = 0; i < 12; i++) seq.push((await a.next())[0]!);
  const b = new CorpusSource(corpus, 2, 9);
  for (let i = 0; i < 7; i++) await b.next();
  const c = new CorpusSource(corpus, 2, 1);
  await c.setState(JSON.parse(JSON.stringify(b.getState())));
  const rest: number[] = [];
  for (let i = 7; i < 12; i++) rest.push((await c.next())[0]!);
  assert.deepEqual(rest, seq.slice(7));
});

it('records the peak tensor memory of every peakMemoryEvery-th step', async () => {
  const c = config(4, { peakMemoryEvery: 2 });
  const trainer = AudioTrainer.create(c, tones(c));
  const records = await trainer.run(null);
  trainer.dispose();
  assert.deepEqual(
    records.map((r) => r.memory.peakTensorBytes !== undefined),
    [false, true, false, true],
  );
  for (const r of [records[1]!, records[3]!]) {
    // The peak includes the step's activations, so it exceeds what is left after the step.
    assert.ok(
      r.memory.peakTensorBytes! > r.memory.tensorBytes,
      `${r.memory.peakTensorBytes} vs ${r.memory.tensorBytes}`,
    );
  }
  assert.ok(records.every((r) => r.memory.peakRssBytes! >= r.memory.rssBytes));
});

it('a module whose ReLUs never fire reports all channels dead and accuracy 0 (ties miss), not 1', async () => {
  const c = config(2);
  const trainer = AudioTrainer.create(c, tones(c));
  // Module 1 outputs relu(conv) with zero weights and a bias of −1: every channel is 0 always,
  // every InfoNCE score ties, and no gradient flows back through the dead ReLUs.
  for (const conv of trainer.model.modules[0]!.convs) {
    conv.weight.assign(tf.zerosLike(conv.weight));
    conv.bias.assign(tf.fill(conv.bias.shape, -1));
  }
  const records = await trainer.run(null);
  const first = records[0]!.modules[0]!;
  assert.equal(first.deadFraction, 1);
  assert.equal(first.accuracy, 0);
  assert.ok(Math.abs(first.loss - Math.log(5)) < 1e-5, `loss ${first.loss} vs log(5)`);
  // The module above gets a constant input, so its channels are constant too.
  assert.equal(records[0]!.modules[1]!.deadFraction, 1);
  trainer.dispose();
});

it('CPC: dead convs under a live GRU still count as dead (z is watched as well as c)', async () => {
  const c = resolveAudioConfig([
    { source: 'test', values: { ...config(1), encoder: { ...config(1).encoder, layout: 'cpc' } } },
  ]);
  const trainer = AudioTrainer.create(c, tones(c));
  for (const conv of trainer.model.modules[0]!.convs) {
    conv.weight.assign(tf.zerosLike(conv.weight));
    conv.bias.assign(tf.fill(conv.bias.shape, -1));
  }
  const [record] = await trainer.run(null);
  assert.equal(record!.modules[0]!.deadFraction, 1);
  trainer.dispose();
});
