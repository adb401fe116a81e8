/**
 * Readers for the text files that come with a LibriSpeech-style corpus: the CPC split lists, the
 * frame-level phone labels (`converted_aligned_phones.txt`) and an optional `phones.txt`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';

export const TRAIN_SPLIT_FILE = 'train_split.txt';
export const TEST_SPLIT_FILE = 'test_split.txt';
export const LABEL_FILE = 'converted_aligned_phones.txt';
export const PHONES_FILE = 'phones.txt';

/** `speaker-chapter-utterance`, each part a non-empty run of digits (LibriSpeech ids). */
const UTTERANCE_ID = /^(\d+)-(\d+)-(\d+)$/;

export interface UtteranceId {
  id: string;
  speaker: string;
  chapter: string;
  /** Where the id was read (a split file and its 1-based line), for messages. */
  file?: string;
  line?: number;
}

export function parseUtteranceId(file: string, line: number, id: string): UtteranceId {
  const m = UTTERANCE_ID.exec(id);
  if (!m)
    throw new DataError(
      file,
      `line ${line}: expected an utterance id "speaker-chapter-utterance", found ${JSON.stringify(id)}`,
    );
  return { id, speaker: m[1]!, chapter: m[2]!, file, line };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(file, `cannot read: ${(err as Error).message}`);
  }
}

/** One utterance id per line; blank lines ignored; duplicates are an error. */
export function readSplit(file: string): UtteranceId[] {
  const seen = new Set<string>();
  const out: UtteranceId[] = [];
  readText(file)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const id = raw.trim();
      if (id === '') return;
      if (seen.has(id)) throw new DataError(file, `line ${i + 1}: utterance ${id} listed twice`);
      seen.add(id);
      out.push(parseUtteranceId(file, i + 1, id));
    });
  return out;
}

/**
 * Parsed label file. A malformed line is not fatal here: it is kept as a reason string so the
 * loader can fail or skip only the utterances that need it.
 */
export interface LabelTable {
  file: string;
  labels: Map<string, Uint8Array | { error: string }>;
  maxLabel: number;
}

export function readLabels(file: string): LabelTable {
  const labels = new Map<string, Uint8Array | { error: string }>();
  let maxLabel = -1;
  readText(file)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const parts = raw.trim().split(/\s+/);
      const id = parts[0];
      if (id === undefined || id === '') return;
      const values = new Uint8Array(parts.length - 1);
      for (let j = 1; j < parts.length; j++) {
        const s = parts[j]!;
        const v = Number(s);
        // Labels are small non-negative class indices; anything else is garbage, never coerced.
        if (!/^\d+$/.test(s) || v > 255) {
          labels.set(id, {
            error: `line ${i + 1}: label ${j} of ${id} is ${JSON.stringify(s)}, expected an integer 0..255`,
          });
          return;
        }
        values[j - 1] = v;
        if (v > maxLabel) maxLabel = v;
      }
      if (labels.has(id))
        throw new DataError(file, `line ${i + 1}: utterance ${id} labelled twice`);
      labels.set(id, values);
    });
  return { file, labels, maxLabel };
}

/** Class names, one per line (`name` or Kaldi's `name index`, index = line position). */
export function readPhoneNames(file: string): string[] {
  const names: string[] = [];
  for (const raw of readText(file).split(/\r?\n/)) {
    const parts = raw.trim().split(/\s+/);
    if (parts[0] === undefined || parts[0] === '') continue;
    if (parts.length > 1 && Number(parts[1]) !== names.length) {
      throw new DataError(
        file,
        `line ${names.length + 1}: expected index ${names.length} after ${parts[0]}, found ${JSON.stringify(parts[1])}`,
      );
    }
    names.push(parts[0]);
  }
  return names;
}

/** Path of an utterance's audio: `.flac` if present, else `.wav`; null when neither exists. */
export function findAudioFile(root: string, u: UtteranceId): string | null {
  const base = join(root, u.speaker, u.chapter, u.id);
  for (const ext of ['.flac', '.wav']) if (existsSync(base + ext)) return base + ext;
  return null;
}
