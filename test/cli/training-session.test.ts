import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTrainingSession } from '../../src/cli/training-session.js';
import type { StepRecord } from '../../src/core/trainer.js';

const step = (n: number): StepRecord => ({
  step: n,
  seconds: 0.001,
  modules: [{ loss: 1, accuracy: 0.5, deadFraction: 0 }],
  memory: { tensorBytes: 0, tensors: 0, rssBytes: 0 },
});

/** stderr written while `body` runs (the session prints there). */
async function captureStderr(body: () => Promise<void>): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await body();
  } finally {
    process.stderr.write = original;
  }
  return text;
}

it('a cache build prints its item count and folder first, and its time is not counted as steps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-session-'));
  try {
    const session = startTrainingSession({
      logFile: join(dir, 'train-log.jsonl'),
      startStep: 0,
      totalSteps: 3,
      logEvery: 1,
      quiet: false,
    });
    const text = await captureStderr(async () => {
      session.callbacks.onStep!(step(1));
      session.callbacks.onCache!(1, 0, join(dir, 'cache', 'module1'), 512);
      await sleep(1000); // the cache build
      session.callbacks.onCache!(1, 512, join(dir, 'cache', 'module1'), 512);
      await sleep(10); // step 2
      session.callbacks.onStep!(step(2));
    });
    session.finish();
    const lines = text.split('\n');
    assert.equal(
      lines[1],
      `gim train: caching module 1 outputs (512 items) in ${join(dir, 'cache', 'module1')}`,
    );
    // Counting the build, step 2 would come at under 2 / 1 s = 2 steps/s; without it, ~100.
    const rate = Number(/^step 2\/3 {2}([\d.]+) steps\/s/.exec(lines[2]!)?.[1]);
    assert.ok(rate > 4 && Number.isFinite(rate), `steps/s after the cache build: ${lines[2]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
