/**
 * Seeded fuzz cases for the audio corpus loader (run by fuzz-worker.ts under a watchdog).
 *
 * One small labelled corpus (FLAC and WAV utterances, two speakers) is damaged one file at a time
 * by truncation or byte flips, then opened through the real loader in strict and in skip mode.
 * A case passes when it ends in either
 *  - a DataError/ConfigError whose message names the damaged file, or
 *  - a load that is provably consistent: FLAC audio bit-identical (frames carry CRCs), WAV audio
 *    identical except at the flipped samples, and every utterance's speaker and phone labels
 *    exactly what the (possibly damaged) split and label files say for *that* utterance.
 * Text files carry no checksum, so a flipped digit can be a different valid label; the check
 * there is that the loader reads what the file says, aligned to the right audio.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Rng } from '../../../src/backend/random.js';
import { ConfigError, DataError } from '../../../src/errors.js';
import { openLibriSpeech, type AudioCorpus } from '../../../src/audio/data/librispeech.js';
import { encodeFlac } from '../../../src/audio/data/flac.js';
import { labelLine, writeCorpus } from './temp-corpus.js';

export const FORMATS = ['flac', 'wav', 'split', 'labels'] as const;
export type FuzzFormat = (typeof FORMATS)[number];
export type Outcome = 'error' | 'consistent';

const WINDOW = 1600;
const SAMPLES = 4000;
const TRAIN = ['1-1-1', '1-1-2', '2-1-1'];
const TEST = ['2-1-2'];
const WAV_HEADER = 44; // encodeWav writes the canonical 44-byte header

function signal(seed: number): Int16Array {
  const rng = new Rng(seed);
  return Int16Array.from({ length: SAMPLES }, (_, i) =>
    Math.round(7000 * Math.sin(i * 0.013 * seed) + rng.uniformRange(-3000, 3000)),
  );
}

export interface FuzzCorpus {
  root: string;
  /** The file each format damages. */
  target: Record<FuzzFormat, string>;
  pristine: Record<FuzzFormat, Uint8Array>;
  /** Normalised audio of every utterance in the undamaged corpus. */
  audio: Map<string, Float32Array>;
}

export async function buildFuzzCorpus(): Promise<FuzzCorpus> {
  const utts = [...TRAIN, ...TEST].map((id, k) => ({
    id,
    samples: signal(k + 1),
    format: (id.endsWith('2') ? 'wav' : 'flac') as 'wav' | 'flac',
    labels: labelLine(Math.floor(SAMPLES / 160), 9, k * 2),
  }));
  const root = await writeCorpus(utts, TRAIN, TEST);
  // Re-encode the FLAC target with small blocks so it has several frames to damage.
  const flac = join(root, '1', '1', '1-1-1.flac');
  writeFileSync(flac, await encodeFlac(utts[0]!.samples, 16000, { blockSize: 1152 }));
  const target: Record<FuzzFormat, string> = {
    flac,
    wav: join(root, '1', '1', '1-1-2.wav'),
    split: join(root, 'train_split.txt'),
    labels: join(root, 'converted_aligned_phones.txt'),
  };
  const pristine = Object.fromEntries(
    FORMATS.map((f) => [f, new Uint8Array(readFileSync(target[f]))]),
  ) as Record<FuzzFormat, Uint8Array>;
  const corpus = await openLibriSpeech(root, { windowSamples: WINDOW, onProblem: 'error' });
  const audio = new Map<string, Float32Array>();
  for (const id of [...TRAIN, ...TEST]) audio.set(id, (await corpus.utterance(id)).audio);
  return { root, target, pristine, audio };
}

interface Damage {
  bytes: Uint8Array;
  /** Offsets of flipped bytes (empty for a truncation). */
  flipped: number[];
  what: string;
}

/** Case `index` of `format`: a truncation (1 in 3) or 1–3 byte flips, from a seeded Rng. */
export function damage(format: FuzzFormat, index: number, pristine: Uint8Array): Damage {
  const rng = new Rng(0xf022 + FORMATS.indexOf(format) * 100_003 + index);
  if (index % 3 === 0) {
    const keep = rng.int(pristine.length);
    return { bytes: pristine.slice(0, keep), flipped: [], what: `truncated to ${keep} bytes` };
  }
  const bytes = pristine.slice();
  const flipped: number[] = [];
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const at = rng.int(bytes.length);
    bytes[at]! ^= 1 + rng.int(255);
    flipped.push(at);
  }
  return { bytes, flipped, what: `bytes ${flipped.join(', ')} flipped` };
}

/** Independent reading of a split file: ids on non-blank lines. */
function oracleSplit(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Independent reading of the label file: id → labels. */
function oracleLabels(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of text.split(/\r?\n/)) {
    const [id, ...values] = line.trim().split(/\s+/);
    if (id) out.set(id, values.map(Number));
  }
  return out;
}

/** Runs one case; returns its outcome or throws an AssertionError describing the violation. */
export async function runCase(c: FuzzCorpus, format: FuzzFormat, index: number): Promise<Outcome> {
  const d = damage(format, index, c.pristine[format]);
  const file = c.target[format];
  writeFileSync(file, d.bytes);
  const label = `${format} case ${index} (${d.what})`;
  try {
    let outcome: Outcome = 'consistent';
    for (const onProblem of ['error', 'skip'] as const) {
      let corpus: AudioCorpus;
      try {
        corpus = await openLibriSpeech(c.root, { windowSamples: WINDOW, onProblem });
        // Read every utterance: decoding errors may surface only here (they do not in cached mode).
        for (const split of ['train', 'test'] as const)
          for (const id of corpus.ids(split)) await corpus.utterance(id);
      } catch (err) {
        assertNamesFile(err, file, label);
        outcome = 'error';
        continue;
      }
      const problems = corpus.skipped.filter((s) => !s.reason.startsWith('too short'));
      if (problems.length > 0) {
        for (const s of problems)
          assert.ok(s.reason.includes(basename(file)), `${label}: ${s.reason}`);
        outcome = 'error';
      }
      await assertConsistent(c, corpus, format, d, label);
    }
    return outcome;
  } finally {
    writeFileSync(file, c.pristine[format]);
  }
}

function assertNamesFile(err: unknown, file: string, label: string): void {
  if (!(err instanceof DataError) && !(err instanceof ConfigError))
    throw new assert.AssertionError({ message: `${label}: not a DataError: ${String(err)}` });
  assert.ok(
    err.message.includes(basename(file)),
    `${label}: message does not name the file: ${err.message}`,
  );
}

async function assertConsistent(
  c: FuzzCorpus,
  corpus: AudioCorpus,
  format: FuzzFormat,
  d: Damage,
  label: string,
): Promise<void> {
  const text = (f: FuzzFormat): string =>
    Buffer.from(format === f ? d.bytes : c.pristine[f]).toString('utf8');
  const train = oracleSplit(text('split'));
  const labels = oracleLabels(text('labels'));
  const skipped = new Set(corpus.skipped.map((s) => s.utterance));
  assert.deepEqual(
    corpus.ids('train'),
    train.filter((id) => !skipped.has(id)),
    `${label}: train ids differ from what the split file says`,
  );
  for (const split of ['train', 'test'] as const) {
    for (const id of corpus.ids(split)) {
      const u = await corpus.utterance(id);
      assert.equal(corpus.speakers[u.speaker], id.split('-')[0], `${label}: speaker of ${id}`);
      const want = c.audio.get(id);
      assert.ok(want, `${label}: ${id} is not an utterance of the corpus`);
      assert.equal(u.audio.length, want.length, `${label}: length of ${id}`);
      const mayDiffer = new Set(
        format === 'wav' && id === '1-1-2'
          ? d.flipped.filter((o) => o >= WAV_HEADER).map((o) => (o - WAV_HEADER) >> 1)
          : [],
      );
      for (let i = 0; i < want.length; i++) {
        if (u.audio[i] !== want[i] && !mayDiffer.has(i))
          assert.fail(`${label}: sample ${i} of ${id} changed though its bytes did not`);
      }
      const frames = Math.floor(want.length / 160);
      assert.deepEqual(
        [...(u.phones ?? [])],
        (labels.get(id) ?? []).slice(0, frames),
        `${label}: labels of ${id} differ from its line in the label file`,
      );
    }
  }
}
