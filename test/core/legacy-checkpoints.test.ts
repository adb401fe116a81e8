/**
 * Checkpoints written before the shared Trainer (fixtures made by
 * test/fixtures/legacy-checkpoints/make.ts with the code of commit 159d966) still resume exactly
 * and load for evaluation.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAudioConfig } from '../../src/audio/config.js';
import { AudioTrainer, readCheckpointConfig } from '../../src/audio/trainer.js';
import { ToneSource } from '../../src/audio/batches.js';
import { resolveVisionConfig } from '../../src/vision/config.js';
import { VisionBatchSource } from '../../src/vision/data.js';
import { VisionTrainer, loadVisionModel } from '../../src/vision/trainer.js';
import { forEachBackend } from '../helpers/backends.js';
import {
  legacyAudioValues,
  legacyImageSet,
  legacyVisionValues,
} from '../fixtures/legacy-checkpoints/inputs.js';

const fixtures = new URL('../fixtures/legacy-checkpoints/', import.meta.url).pathname;

/** A scratch copy of a fixture (resuming writes the checkpoint back). */
function copyOf(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `gim-legacy-${name}-`));
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

const expected = (name: string): (number | null)[][] =>
  (
    JSON.parse(readFileSync(join(fixtures, name, 'expected.json'), 'utf8')) as {
      losses: (number | null)[][];
    }
  ).losses;

const losses = (records: { modules: readonly ({ loss: number } | null)[] }[]) =>
  records.map((r) => r.modules.map((m) => m?.loss ?? null));

// The fixtures were written on wasm; that backend reproduces them bit for bit.
forEachBackend(
  'legacy checkpoints',
  () => {
    it('an audio-gim checkpoint resumes exactly', async () => {
      const dir = copyOf('audio-gim');
      try {
        const config = resolveAudioConfig([{ source: 'test', values: legacyAudioValues(4) }]);
        assert.equal(readCheckpointConfig(dir).train.steps, 2);
        const source = new ToneSource(
          config.train.seed,
          config.train.batchSize,
          config.data.windowSamples,
        );
        const trainer = await AudioTrainer.resume(dir, config, source);
        assert.equal(trainer.step, 2);
        assert.deepEqual(losses(await trainer.run(dir)), expected('audio-gim'));
        trainer.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a vision-gim checkpoint resumes exactly and loads for evaluation', async () => {
      const dir = copyOf('vision-gim');
      try {
        const config = resolveVisionConfig([{ source: 'test', values: legacyVisionValues(4) }]);
        const loaded = loadVisionModel(dir);
        assert.equal(loaded.step, 2);
        loaded.model.dispose();
        const source = new VisionBatchSource(legacyImageSet(), config.data, 4, 7);
        const trainer = await VisionTrainer.resume(dir, config, source);
        assert.equal(trainer.step, 2);
        assert.deepEqual(losses(await trainer.run(dir)), expected('vision-gim'));
        trainer.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
  ['wasm'],
);
