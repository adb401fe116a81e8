/**
 * Runs the fuzz cases of one format in a worker thread, reporting after each case, so that the
 * test's watchdog (fuzz.test.ts) can stop a case that hangs, even inside synchronous decoding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import { buildFuzzCorpus, runCase, type FuzzFormat } from './fuzz-cases.js';

export interface FuzzJob {
  format: FuzzFormat;
  cases: number;
}

export type FuzzReport =
  | { kind: 'start'; index: number }
  | { kind: 'done'; index: number; outcome: 'error' | 'consistent' }
  | { kind: 'failed'; index: number; message: string }
  | { kind: 'finished' };

const job = workerData as FuzzJob;
const post = (r: FuzzReport): void => parentPort!.postMessage(r);
const corpus = await buildFuzzCorpus();
try {
  for (let index = 0; index < job.cases; index++) {
    post({ kind: 'start', index });
    try {
      post({ kind: 'done', index, outcome: await runCase(corpus, job.format, index) });
    } catch (err) {
      post({ kind: 'failed', index, message: err instanceof Error ? err.message : String(err) });
    }
  }
} finally {
  rmSync(corpus.root, { recursive: true, force: true });
}
post({ kind: 'finished' });
