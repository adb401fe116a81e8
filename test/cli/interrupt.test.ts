/**
 * Ctrl-C: the first SIGINT stops `gim train` at the next step boundary, saves a checkpoint and
 * exits 130 within seconds; `--resume` then continues exactly (same per-step losses as an
 * uninterrupted run). A second SIGINT exits 130 at once.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/core/checkpoint.js';
import { runCli } from './helpers.js';
import {
  AUDIO_ARGS,
  readLog,
  startTraining,
  visionArgs,
  waitForStep,
  writeTinyFashionMnist,
} from './training-process.js';

for (const modality of ['audio', 'vision'] as const) {
  it(`${modality}: Ctrl-C saves at the next step and exits 130; --resume continues exactly`, async () => {
    const root = mkdtempSync(join(tmpdir(), `gim-sigint-${modality}-`));
    try {
      const args = modality === 'audio' ? AUDIO_ARGS : visionArgs(writeTinyFashionMnist(root));
      const out = join(root, 'interrupted');
      // Far more steps than it will run: only the SIGINT ends it.
      const training = startTraining([...args, '--steps', '10000', '--out', out]);
      assert.ok(await waitForStep(out, 3, training), 'training ended before step 3');
      const sent = Date.now();
      training.child.kill('SIGINT');
      const { code, stderr } = await training.exit;
      const seconds = (Date.now() - sent) / 1000;
      assert.equal(code, 130, stderr);
      assert.ok(seconds < 5, `exited ${seconds.toFixed(2)} s after SIGINT`);
      assert.match(stderr, /stopping after this step and saving a checkpoint/);
      const logged = readLog(out);
      const saved = loadCheckpoint<{ step: number }>(out).meta.step;
      assert.equal(saved, logged[logged.length - 1]!.step, 'checkpoint at the last logged step');

      const total = saved + 3;
      const resumed = runCli([
        'train',
        '--resume',
        out,
        '--steps',
        String(total),
        '--backend',
        'wasm',
        '--quiet',
      ]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const straightDir = join(root, 'straight');
      const straight = runCli(['train', ...args, '--steps', String(total), '--out', straightDir]);
      assert.equal(straight.code, 0, straight.stderr);
      const expected = readLog(straightDir);
      assert.equal(expected.length, total);
      assert.deepEqual(readLog(out), expected, 'interrupted + resumed log = uninterrupted log');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

it('a second Ctrl-C exits 130 at once, without waiting for the save', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gim-sigint2-'));
  try {
    const out = join(root, 'run');
    const training = startTraining([...AUDIO_ARGS, '--steps', '10000', '--out', out]);
    assert.ok(await waitForStep(out, 2, training));
    training.child.kill('SIGINT');
    training.child.kill('SIGINT');
    const { code, stderr } = await training.exit;
    assert.equal(code, 130, stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
