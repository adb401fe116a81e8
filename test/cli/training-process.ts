/**
 * `gim train` as a child process that a test can interrupt (SIGINT) or kill (SIGKILL) while it
 * trains, watching its progress through train-log.jsonl. Shared by interrupt/kill/diverge tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIdx } from '../../src/vision/data/idx.js';
import { CLI } from './helpers.js';

/** Tiny audio run (6 modules of 8 channels on generated tones); wasm for bit-exact resumes. */
export const AUDIO_ARGS = [
  '--preset',
  'tiny',
  '--channels',
  '8',
  '--set',
  'encoder.gruHidden=8',
  '--window',
  '2560',
  '--batch-size',
  '2',
  '--backend',
  'wasm',
  '--quiet',
];

/** Tiny vision run on `dataDir` (see writeTinyFashionMnist). */
export const visionArgs = (dataDir: string): string[] => [
  '--modality',
  'vision',
  '--preset',
  'vision-tiny',
  '--data',
  dataDir,
  '--backend',
  'wasm',
  '--quiet',
];

/** 32 train + 16 test random 28×28 images in Fashion-MNIST's IDX layout (no real data needed). */
export function writeTinyFashionMnist(dir: string): string {
  mkdirSync(dir, { recursive: true });
  let state = 12345;
  const byte = (): number => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (const [stem, n] of [
    ['train', 32],
    ['t10k', 16],
  ] as const) {
    const pixels = Uint8Array.from({ length: n * 28 * 28 }, byte);
    writeFileSync(join(dir, `${stem}-images-idx3-ubyte`), encodeIdx([n, 28, 28], pixels));
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    writeFileSync(join(dir, `${stem}-labels-idx1-ubyte`), encodeIdx([n], labels));
  }
  return dir;
}

export interface Training {
  readonly child: ChildProcess;
  /** Exit code (null if killed by a signal) and signal, with stderr. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function startTraining(args: string[], env: Record<string, string> = {}): Training {
  const child = spawn(process.execPath, [CLI, 'train', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exit };
}

/** Per-step losses of whole lines of train-log.jsonl (a line cut short by a kill is skipped). */
export function readLog(outDir: string): { step: number; loss: (number | null)[] }[] {
  const file = join(outDir, 'train-log.jsonl');
  if (!existsSync(file)) return [];
  const out: { step: number; loss: (number | null)[] }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      const { step, loss } = JSON.parse(line) as { step: number; loss: (number | null)[] };
      out.push({ step, loss });
    } catch {
      // blank or partial
    }
  }
  return out;
}

/** Resolves once the log reaches `step` (or the process ended first: then returns false). */
export async function waitForStep(
  outDir: string,
  step: number,
  training: Training,
  timeoutMs = 60_000,
): Promise<boolean> {
  let ended = false;
  void training.exit.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = readLog(outDir);
    if (log.length > 0 && log[log.length - 1]!.step >= step) return true;
    if (ended) return false;
    if (Date.now() > deadline) {
      training.child.kill('SIGKILL');
      throw new Error(`training did not reach step ${step} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
