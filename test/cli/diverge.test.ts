/**
 * A learning rate of 1e30 makes the first update ±1e30 and the next step's loss NaN (found by
 * trying 1e4, 1e10 and 1e30: all diverge at step 2 on these tiny models). The run must stop with
 * a message naming the module and step, exit non-zero, and keep the last good checkpoint.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointPath, loadCheckpoint } from '../../src/core/checkpoint.js';
import { runCli } from './helpers.js';
import { AUDIO_ARGS, readLog, visionArgs, writeTinyFashionMnist } from './training-process.js';

for (const modality of ['audio', 'vision'] as const) {
  it(`${modality}: an absurd learning rate stops with a clear message and keeps the last good checkpoint`, () => {
    const root = mkdtempSync(join(tmpdir(), `gim-diverge-${modality}-`));
    try {
      const args = modality === 'audio' ? AUDIO_ARGS : visionArgs(writeTinyFashionMnist(root));
      const out = join(root, 'run');
      const r = runCli([
        'train',
        ...args,
        '--lr',
        '1e30',
        '--steps',
        '20',
        '--checkpoint-every',
        '1',
        '--out',
        out,
      ]);
      assert.notEqual(r.code, 0);
      const m =
        /gim: training diverged at step (\d+): module (\d+) loss is NaN; the last good checkpoint \(step (\d+)\) is kept in (\S+) /.exec(
          r.stderr,
        );
      assert.ok(m, r.stderr);
      const [, step, module, kept, file] = m;
      assert.ok(Number(module) >= 1 && Number(module) <= (modality === 'audio' ? 6 : 3));
      assert.equal(Number(kept), Number(step) - 1);
      assert.equal(file, checkpointPath(out));
      // Nothing from the bad step was saved or logged.
      const saved = loadCheckpoint<{ step: number }>(out);
      assert.equal(saved.meta.step, Number(kept));
      for (const { values } of saved.tensors.values()) assert.ok(values.every(Number.isFinite));
      assert.deepEqual(
        readLog(out).map((l) => l.step),
        Array.from({ length: Number(kept) }, (_, i) => i + 1),
      );
      for (const { loss } of readLog(out)) assert.ok(loss.every((l) => Number.isFinite(l)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
