/** Builds small LibriSpeech-layout corpora in temp folders for the loader tests. */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFlac } from '../../../src/audio/data/flac.js';
import { encodeWav } from '../../../src/audio/data/wav.js';

export const MICRO = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/librispeech-micro',
);

export interface TempUtterance {
  id: string;
  samples: Int16Array;
  format?: 'flac' | 'wav';
  sampleRate?: number;
  /** Label line; omitted = no line in the label file. */
  labels?: string;
}

export function tempDir(prefix = 'gim-audio-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A copy of the committed micro corpus that a test may damage. */
export function copyMicro(): string {
  const dir = tempDir();
  cpSync(MICRO, dir, { recursive: true });
  return dir;
}

export async function writeCorpus(
  utts: TempUtterance[],
  train: string[],
  test: string[],
  withLabels = true,
): Promise<string> {
  const root = tempDir();
  for (const u of utts) {
    const [speaker, chapter] = u.id.split('-') as [string, string];
    mkdirSync(join(root, speaker, chapter), { recursive: true });
    const rate = u.sampleRate ?? 16000;
    const bytes =
      u.format === 'wav' ? encodeWav(u.samples, rate) : await encodeFlac(u.samples, rate);
    writeFileSync(join(root, speaker, chapter, `${u.id}.${u.format ?? 'flac'}`), bytes);
  }
  writeFileSync(join(root, 'train_split.txt'), train.map((id) => `${id}\n`).join(''));
  writeFileSync(join(root, 'test_split.txt'), test.map((id) => `${id}\n`).join(''));
  if (withLabels) {
    const lines = utts.filter((u) => u.labels !== undefined).map((u) => `${u.id} ${u.labels}\n`);
    writeFileSync(join(root, 'converted_aligned_phones.txt'), lines.join(''));
  }
  return root;
}

/** Deterministic int16 "audio": sample i of utterance `tag` is a distinct, recognisable value. */
export function ramp(n: number, tag: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 7 + tag * 1000) % 20000) - 10000;
  return out;
}

/** Labels 0..k-1 cycling, as a label-file line body. */
export function labelLine(frames: number, classes = 5, shift = 0): string {
  return Array.from({ length: frames }, (_, f) => (f + shift) % classes).join(' ');
}
