import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { openLibriSpeech } from '../../src/audio/data/index.js';
import { encoderLengths, resolveAudioConfig } from '../../src/audio/config.js';
import { AudioTrainer } from '../../src/audio/trainer.js';
import { CorpusSource } from '../../src/audio/batches.js';
import { evaluateEncoder, resolveProbeSettings } from '../../src/audio/probes.js';
import { speakerFeatures } from '../../src/audio/probe-features.js';
import { classificationReport } from '../../src/probe/metrics.js';
import type { FrozenEncoder } from '../../src/audio/encoders.js';
import {
  layerEncoder,
  loadAudioModel,
  mfccEncoder,
  modelEncoder,
} from '../../src/audio/encoders.js';
import { AudioGimModel } from '../../src/audio/model.js';
import { Rng } from '../../src/backend/random.js';

const FIXTURE = 'test/fixtures/librispeech-micro';
const WINDOW = 3200;

before(async () => {
  await initBackend('wasm');
});

const settings = resolveProbeSettings([
  {
    source: 'test',
    values: {
      perModule: true,
      speaker: { epochs: 3, windowDraws: 2, batchSize: 2 },
      phone: { epochs: 2, learningRate: 1e-2 },
    },
  },
]);

it('MFCC probes on the micro corpus: both probes, identical on a repeated run (fixed test windows)', async () => {
  const corpus = await openLibriSpeech(FIXTURE, { windowSamples: WINDOW });
  const first = await evaluateEncoder(corpus, mfccEncoder(), settings);
  assert.equal(first.length, 1);
  const top = first[0]!;
  assert.equal(top.speaker!.items, 2 * 10, '10 fixed windows per test utterance (the default)');
  assert.equal(top.speaker!.standardErrorUnits, 2, 'the SE counts utterances, not windows');
  assert.equal(top.phone!.standardErrorUnits, 2);
  assert.ok(Number.isFinite(top.speaker!.standardError) && top.speaker!.standardError >= 0);
  assert.equal(top.dim, 39, 'MFCC feature width');
  assert.equal(top.phone!.items, 154 + 120, 'every labelled frame of the two test utterances');
  const again = await evaluateEncoder(corpus, mfccEncoder(), settings);
  assert.deepEqual(again, first);
});

it('a checkpoint from gim train is reloaded and probed per module', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-probe-'));
  try {
    const config = resolveAudioConfig([
      {
        source: 'test',
        values: {
          encoder: { channels: 6, gruHidden: 5 },
          loss: { predictionSteps: 2 },
          train: { batchSize: 2, steps: 1 },
          data: { source: 'librispeech', dir: FIXTURE, windowSamples: WINDOW },
        },
      },
    ]);
    const corpus = await openLibriSpeech(FIXTURE, { windowSamples: WINDOW });
    const trainer = AudioTrainer.create(config, new CorpusSource(corpus, 2, 1));
    await trainer.run(dir);
    const { model, config: loaded } = loadAudioModel(dir);
    assert.deepEqual(
      model.parameters().map((v) => [...v.dataSync()]),
      trainer.model.parameters().map((v) => [...v.dataSync()]),
    );
    trainer.dispose();
    const results = await evaluateEncoder(corpus, modelEncoder(model, loaded.encoder), settings);
    assert.deepEqual(
      results.map((r) => r.module),
      [1, 2, 3, 4, 5, 6],
    );
    for (const r of results) {
      assert.ok(r.speaker!.accuracy >= 0 && r.speaker!.accuracy <= 1);
      assert.equal(r.phone!.items, 274);
    }
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('layerEncoder: one block per module for gim-6 (same as modelEncoder), per layer for the end-to-end cpc layout', () => {
  for (const layout of ['gim-6', 'cpc'] as const) {
    const config = resolveAudioConfig([
      {
        source: 'test',
        values: {
          encoder: { channels: 6, gruHidden: 5, layout },
          loss: { predictionSteps: 2 },
          data: { windowSamples: WINDOW },
        },
      },
    ]);
    const model = new AudioGimModel(config.encoder, config.loss, new Rng(1));
    const audio = Float32Array.from({ length: 2 * WINDOW }, (_, i) => Math.sin(i / 7));
    const layers = layerEncoder(model, config.encoder);
    const blocks = layers.encode(audio, 2, WINDOW);
    assert.deepEqual(
      blocks.map((b) => [b.frames, b.dim]),
      [...encoderLengths(config.encoder, WINDOW).map((t) => [t, 6]), [WINDOW / 160, 5]],
    );
    assert.deepEqual(layers.frameCounts(WINDOW), [
      ...encoderLengths(config.encoder, WINDOW),
      WINDOW / 160,
    ]);
    if (layout === 'gim-6')
      assert.deepEqual(modelEncoder(model, config.encoder).encode(audio, 2, WINDOW), blocks);
    else
      assert.deepEqual(blocks[5], modelEncoder(model, config.encoder).encode(audio, 2, WINDOW)[0]);
    model.dispose();
  }
});

/** A one-module encoder that reports each window's first sample, and remembers every window. */
function recordingEncoder(seen: Float32Array[]): FrozenEncoder {
  return {
    moduleCount: 1,
    frameCounts: () => [1],
    encode(audio, batch, samples) {
      for (let b = 0; b < batch; b++) seen.push(audio.slice(b * samples, (b + 1) * samples));
      const data = Float32Array.from({ length: batch }, (_, b) => audio[b * samples]!);
      return [{ batch, frames: 1, dim: 1, data }];
    },
    dispose() {},
  };
}

it('speaker test set: k fixed windows per utterance, grouped by utterance, the same for every encoder', async () => {
  const corpus = await openLibriSpeech(FIXTURE, { windowSamples: WINDOW });
  const first: Float32Array[] = [];
  const second: Float32Array[] = [];
  const [a] = await speakerFeatures(
    corpus,
    recordingEncoder(first),
    'test',
    new Rng(7),
    2,
    undefined,
    3,
  );
  const [b] = await speakerFeatures(
    corpus,
    recordingEncoder(second),
    'test',
    new Rng(7),
    4,
    undefined,
    3,
  );
  assert.equal(a!.y.length, 2 * 3);
  assert.deepEqual([...a!.groups!], [0, 3, 6]);
  assert.deepEqual([...a!.y], [a!.y[0], a!.y[0], a!.y[0], a!.y[3], a!.y[3], a!.y[3]]);
  assert.notEqual(a!.y[0], a!.y[3], 'the two test utterances are different speakers');
  assert.deepEqual(second, first, 'same windows whatever the encoder and its batch');
  assert.deepEqual(b, a);
  // Three draws, not one window copied thrice.
  assert.notDeepEqual(first[0], first[1]);
  // One window per utterance: the single pass of before, ungrouped (binomial SE).
  const [single] = await speakerFeatures(corpus, recordingEncoder([]), 'test', new Rng(7), 2);
  assert.equal(single!.y.length, 2);
  assert.equal(single!.groups, undefined);
  assert.equal(single!.x[0], a!.x[0], 'the first draw is the same window');
  // The SE over these groups is the cluster-robust closed form: utterance 1 right on all three
  // windows, utterance 2 on one of three: p = 4/6, SE² = 2/1 · ((3 − 2)² + (1 − 2)²) / 6² = 1/9.
  const wrong = (c: number) => (c + 1) % corpus.speakers.length;
  const predictions = Int32Array.from(a!.y, (c, i) => (i < 4 ? c : wrong(c)));
  const report = classificationReport(a!.y, predictions, corpus.speakers.length, 5, a!.groups);
  assert.ok(Math.abs(report.accuracy - 4 / 6) < 1e-12);
  assert.ok(Math.abs(report.standardError - 1 / 3) < 1e-12);
  assert.equal(report.standardErrorUnits, 2);
});
