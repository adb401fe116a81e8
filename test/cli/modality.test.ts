import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkpointModality,
  modalityOfPreset,
  resolveModality,
} from '../../src/cli/commands/modality.js';
import { saveCheckpoint } from '../../src/core/checkpoint.js';
import { ConfigError, CheckpointError } from '../../src/errors.js';

/** A checkpoint holding one tiny tensor and the given meta.kind. */
function checkpointOfKind(root: string, kind: string): string {
  const dir = join(root, kind);
  saveCheckpoint(dir, {
    meta: { kind },
    tensors: new Map([['w', { shape: [2], values: new Float32Array([1, 2]) }]]),
  });
  return dir;
}

describe('modality resolution', () => {
  it('reads the modality of the built-in presets', () => {
    assert.equal(modalityOfPreset('tiny'), 'audio');
    assert.equal(modalityOfPreset('audio-paper'), 'audio');
    assert.equal(modalityOfPreset('vision-tiny'), 'vision');
    assert.equal(modalityOfPreset('vision-paper'), 'vision');
  });

  it('reads the kind a checkpoint holds; a folder without one gives null', () => {
    const root = mkdtempSync(join(tmpdir(), 'gim-modality-'));
    try {
      assert.equal(checkpointModality(checkpointOfKind(root, 'audio-gim')), 'audio');
      assert.equal(checkpointModality(checkpointOfKind(root, 'vision-gim')), 'vision');
      assert.equal(checkpointModality(root), null);
      assert.throws(
        () => checkpointModality(checkpointOfKind(root, 'text-gim')),
        (e: unknown) => e instanceof CheckpointError && /"text-gim"/.test(e.message),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('flag, preset and checkpoint must agree; audio is the default', () => {
    const root = mkdtempSync(join(tmpdir(), 'gim-modality-'));
    try {
      const vision = checkpointOfKind(root, 'vision-gim');
      assert.equal(resolveModality({}), 'audio');
      assert.equal(resolveModality({ flag: 'vision' }), 'vision');
      assert.equal(resolveModality({ preset: 'vision-tiny' }), 'vision');
      assert.equal(resolveModality({ checkpoint: { dir: vision, flag: '--resume' } }), 'vision');
      assert.equal(
        resolveModality({ flag: 'vision', checkpoint: { dir: root, flag: '--resume' } }),
        'vision',
      );
      assert.throws(
        () => resolveModality({ flag: 'video' }),
        (e: unknown) =>
          e instanceof ConfigError &&
          /--modality: expected "audio" or "vision", found "video"/.test(e.message),
      );
      assert.throws(
        () => resolveModality({ flag: 'vision', preset: 'tiny' }),
        (e: unknown) =>
          e instanceof ConfigError &&
          /--preset: expected a vision preset \(as --modality vision says\), found "--preset tiny \(audio\)"/.test(
            e.message,
          ),
      );
      assert.throws(
        () => resolveModality({ flag: 'audio', checkpoint: { dir: vision, flag: '--resume' } }),
        (e: unknown) =>
          e instanceof ConfigError && /--resume: expected an audio model/.test(e.message),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
