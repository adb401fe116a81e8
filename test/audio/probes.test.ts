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
  assert.equal(top.speaker!.items, 2);
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
