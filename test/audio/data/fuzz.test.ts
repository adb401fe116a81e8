/**
 * Seeded fuzzing of the corpus loader: FLAC, WAV, split and phone-label files, truncated or with
 * flipped bytes (see fuzz-cases.ts for what each case must end in). Each format runs in a worker
 * under a per-case watchdog, so a hang fails the test instead of stalling it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { FORMATS, type FuzzFormat } from './fuzz-cases.js';
import type { FuzzJob, FuzzReport } from './fuzz-worker.js';

const CASES = 210;
const CASE_LIMIT_MS = 10_000; // generous for a loaded 2-core CI machine; a case takes milliseconds

interface Tally {
  error: number;
  consistent: number;
  failures: string[];
}

function runFormat(format: FuzzFormat): Promise<Tally> {
  const job: FuzzJob = { format, cases: CASES };
  // Workers do not get the tsx loader that --import registered; the worker registers it first.
  const script = new URL('./fuzz-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: job });
  const tally: Tally = { error: 0, consistent: 0, failures: [] };
  return new Promise((resolve, reject) => {
    let current = -1;
    let watchdog: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`${format} case ${current}: no result within ${CASE_LIMIT_MS} ms (hang)`));
      }, CASE_LIMIT_MS);
    };
    arm(); // also covers building the corpus
    worker.on('message', (r: FuzzReport) => {
      arm();
      if (r.kind === 'start') current = r.index;
      else if (r.kind === 'done') tally[r.outcome] += 1;
      else if (r.kind === 'failed') tally.failures.push(r.message);
      else {
        clearTimeout(watchdog);
        resolve(tally);
      }
    });
    worker.on('error', (err) => {
      clearTimeout(watchdog);
      reject(err);
    });
  });
}

describe('fuzzed corpus files', () => {
  for (const format of FORMATS) {
    it(`${format}: ${CASES} damaged files each end in a named error or a consistent load`, async (t) => {
      const tally = await runFormat(format);
      t.diagnostic(`${format}: ${tally.error} errors, ${tally.consistent} consistent loads`);
      assert.deepEqual(tally.failures, []);
      assert.equal(tally.error + tally.consistent, CASES);
      // Damage that never trips a check would mean it does not reach the loader's checks.
      assert.ok(tally.error > 0);
    });
  }
});
