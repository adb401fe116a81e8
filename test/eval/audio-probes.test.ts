import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/select.js';
import { openLibriSpeech } from '../../src/data/audio/index.js';
import { resolveAudioConfig } from '../../src/gim/audio-config.js';
import { AudioTrainer } from '../../src/gim/audio-trainer.js';
import { CorpusSource } from '../../src/gim/audio-batches.js';
import { evaluateEncoder, resolveProbeSettings } from '../../src/eval/audio-probes.js';
import { loadAudioModel, mfccEncoder, modelEncoder } from '../../src/eval/encoders.js';

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
