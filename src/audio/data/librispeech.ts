/**
 * LibriSpeech-style corpus loader (spec §2.1): `root/speaker/chapter/speaker-chapter-utt.flac`
 * (or `.wav`), the CPC split lists, and optional frame-level phone labels. Produces plain typed
 * arrays; the training code turns them into tensors.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError } from '../../errors.js';
import type { Rng } from '../../backend/random.js';
import * as files from './corpus-files.js';
import { FlacReader } from './flac.js';
import { FRAME_SAMPLES, SAMPLE_RATE_HZ, normaliseInt16 } from './pcm.js';
import { decodeFile, describeUtterance, type Entry } from './utterance-files.js';
import { checkWindowSamples, drawWindowStart, windowLabels, windowStartCount } from './windows.js';

export interface AudioCorpusOptions {
  /** Samples per training window; a multiple of 160. Default 20480 (1.28 s). */
  windowSamples?: number;
  /** Keep every decoded utterance in memory (int16). Default: true when the corpus is ≤ 2 h. */
  cacheDecoded?: boolean;
  /**
   * What to do with a bad utterance (unreadable or corrupt audio, wrong format, labels that do not
   * fit): skip it and record why in `skipped` (default, as LibriSpeech users expect), or throw a
   * DataError naming the file.
   */
  onProblem?: 'error' | 'skip';
}

export interface AudioBatch {
  /** [B * windowSamples], normalised, row-major per item. */
  audio: Float32Array;
  batchSize: number;
  windowSamples: number;
  /** [B] speaker index. */
  speaker: Int32Array;
  /** [B] window start (multiple of 160). */
  startSample: Int32Array;
  /** [B * windowSamples/160] frame labels for the window, −1 where unknown; null without labels. */
  phones: Int32Array | null;
  utteranceIds: string[];
}

export interface Utterance {
  id: string;
  speaker: number;
  /** The whole utterance, normalised. */
  audio: Float32Array;
  /** Label j covers samples [160j, 160j+160); at most floor(samples/160) labels. */
  phones: Int32Array | null;
}

export type Split = 'train' | 'test';

export interface SkippedUtterance {
  utterance: string;
  /** Starts with the file at fault, or "too short:" for utterances shorter than a window. */
  reason: string;
}

export interface CorpusSummary {
  utterances: number;
  samples: number;
  /** Frames (floor(samples/160)) that carry a label. */
  labelledFrames: number;
  frames: number;
}

export interface AudioCorpus {
  readonly root: string;
  readonly speakers: readonly string[];
  /** Phone classes (0 when the corpus has no labels). */
  readonly phoneClasses: number;
  /** Class names from phones.txt, when present. */
  readonly phoneNames: readonly string[] | null;
  /** Utterances left out, with why; grows when a file first fails during an epoch. */
  readonly skipped: SkippedUtterance[];
  readonly windowSamples: number;
  ids(split: Split): readonly string[];
  summary(split: Split): CorpusSummary;
  /**
   * One epoch of random windows: shuffled (train) or in order (test), a new random frame-aligned
   * start per utterance per epoch (start ∈ {160, 320, …} < len − window as in the reference),
   * drop_last batches.
   */
  epoch(
    split: Split,
    batchSize: number,
    rng: Rng,
    opts?: { shuffle?: boolean },
  ): AsyncIterable<AudioBatch>;
  /** Whole utterance (for phone probes), with frame labels. */
  utterance(id: string): Promise<Utterance>;
}

/** Label-file class count for real LibriSpeech (CPC's Kaldi alignments). */
const LIBRISPEECH_PHONE_CLASSES = 41;

const CACHE_LIMIT_SAMPLES = 2 * 3600 * SAMPLE_RATE_HZ;

export async function openLibriSpeech(
  root: string,
  options: AudioCorpusOptions = {},
): Promise<AudioCorpus> {
  const { windowSamples = 20480, onProblem = 'skip' } = options;
  checkWindowSamples(windowSamples);
  if (onProblem !== 'error' && onProblem !== 'skip')
    throw new ConfigError('onProblem', '"error" or "skip"', onProblem, 'audio corpus');
  if (!existsSync(root)) throw new DataError(root, 'corpus folder does not exist');

  const skipped: SkippedUtterance[] = [];
  /** Fails or records; returns normally only in skip mode. */
  const problem: ProblemSink = (utterance, file, reason) => {
    if (onProblem === 'error') throw new DataError(file, reason);
    skipped.push({ utterance, reason: `${file}: ${reason}` });
  };

  const train = files.readSplit(join(root, files.TRAIN_SPLIT_FILE));
  const test = files.readSplit(join(root, files.TEST_SPLIT_FILE));
  const speakers = [...new Set(train.map((u) => u.speaker))];
  const { labelTable, phoneNames, phoneClasses } = readLabelFiles(root);
  const { entries, splitIds } = describeSplits(root, { train, test }, speakers, {
    labelTable,
    phoneClasses,
    windowSamples,
    problem,
    skipped,
  });

  // Epochs shuffle this fixed list and pass over utterances found broken since, so the order (and
  // every random draw) is the same whether a file fails at open, in an earlier epoch, or in this
  // one: a resumed run replays its epoch exactly even after a lazily found corrupt file.
  const epochOrder: Record<Split, readonly string[]> = {
    train: [...splitIds.train],
    test: [...splitIds.test],
  };
  const load = await prepareLoader(entries, splitIds, options.cacheDecoded, problem);
  const dropBroken = brokenFileDropper(onProblem, problem, entries, splitIds);

  const withPhones = labelTable !== null;
  const state: CorpusState = {
    root,
    windowSamples,
    entries,
    splitIds,
    epochOrder,
    withPhones,
    load,
    dropBroken,
  };
  const corpus: AudioCorpus = {
    root,
    speakers,
    phoneClasses,
    phoneNames,
    skipped,
    windowSamples,
    ids: (split) => splitIds[split],
    summary: (split) => summarise(entries, splitIds[split]),
    epoch: (split, batchSize, rng, opts) => epochBatches(state, split, batchSize, rng, opts),
    utterance: (id) => wholeUtterance(state, id),
  };
  return corpus;
}

type ProblemSink = (utterance: string, file: string, reason: string) => void;

/** What the corpus methods share; `entries` and `splitIds` shrink as broken files are found. */
interface CorpusState {
  readonly root: string;
  readonly windowSamples: number;
  readonly entries: Map<string, Entry>;
  readonly splitIds: Record<Split, string[]>;
  readonly epochOrder: Record<Split, readonly string[]>;
  readonly withPhones: boolean;
  readonly load: (e: Entry) => Promise<Int16Array>;
  /** Records a failed load (skip mode) and forgets the utterance; rethrows otherwise. */
  readonly dropBroken: (id: string, err: unknown) => void;
}

/** The optional frame labels and phone names, and the class count they imply. */
function readLabelFiles(root: string): {
  labelTable: files.LabelTable | null;
  phoneNames: string[] | null;
  phoneClasses: number;
} {
  const labelPath = join(root, files.LABEL_FILE);
  const labelTable = existsSync(labelPath) ? files.readLabels(labelPath) : null;
  const phonesPath = join(root, files.PHONES_FILE);
  const phoneNames = existsSync(phonesPath) ? files.readPhoneNames(phonesPath) : null;
  const phoneClasses = phoneNames
    ? phoneNames.length
    : labelTable
      ? Math.max(LIBRISPEECH_PHONE_CLASSES, labelTable.maxLabel + 1)
      : 0;
  return { labelTable, phoneNames, phoneClasses };
}

/**
 * Checks every split entry's audio and labels (without decoding) and keeps those long enough for
 * a window; the rest go to `problem` or, when merely too short, to `skipped`.
 */
function describeSplits(
  root: string,
  lists: Record<Split, readonly files.UtteranceId[]>,
  speakers: readonly string[],
  how: {
    labelTable: files.LabelTable | null;
    phoneClasses: number;
    windowSamples: number;
    problem: ProblemSink;
    skipped: SkippedUtterance[];
  },
): { entries: Map<string, Entry>; splitIds: Record<Split, string[]> } {
  const { labelTable, phoneClasses, windowSamples, problem, skipped } = how;
  const trainIds = new Set(lists.train.map((u) => u.id));
  const speakerIndex = new Map(speakers.map((s, i) => [s, i]));
  const entries = new Map<string, Entry>();
  const splitIds: Record<Split, string[]> = { train: [], test: [] };
  for (const split of ['train', 'test'] as const) {
    for (const u of lists[split]) {
      if (split === 'test' && trainIds.has(u.id)) {
        // Testing on training data would flatter every probe; a damaged split file can do this.
        problem(u.id, u.file!, `line ${u.line}: ${u.id} is also in ${files.TRAIN_SPLIT_FILE}`);
        continue;
      }
      const entry = describeUtterance(root, u, speakerIndex, labelTable, phoneClasses, problem);
      if (!entry) continue;
      if (windowStartCount(entry.samples, windowSamples) === 0) {
        // Too short for one window: always a counted skip, never an error (spec §6.2 item 6).
        skipped.push({
          utterance: u.id,
          reason: `too short: ${entry.samples} samples, a window needs ${windowSamples + 2 * FRAME_SAMPLES}`,
        });
        continue;
      }
      entries.set(u.id, entry);
      splitIds[split].push(u.id);
    }
  }
  return { entries, splitIds };
}

/**
 * The corpus's decoder. It caches when asked, or by default for corpora up to 2 h; then it decodes
 * everything now, so a corrupt file surfaces when the corpus is opened, not mid-epoch.
 */
async function prepareLoader(
  entries: Map<string, Entry>,
  splitIds: Record<Split, string[]>,
  cacheDecoded: boolean | undefined,
  problem: ProblemSink,
): Promise<(e: Entry) => Promise<Int16Array>> {
  const totalSamples = [...entries.values()].reduce((n, e) => n + e.samples, 0);
  const cache =
    (cacheDecoded ?? totalSamples <= CACHE_LIMIT_SAMPLES) ? new Map<string, Int16Array>() : null;
  const load = cachingLoader(cache);
  if (cache) {
    for (const split of ['train', 'test'] as const) {
      splitIds[split] = await keepLoadable(splitIds[split], entries, load, problem);
    }
  }
  return load;
}

/** CorpusState.dropBroken for this corpus's problem mode, entries and split lists. */
function brokenFileDropper(
  onProblem: 'error' | 'skip',
  problem: ProblemSink,
  entries: Map<string, Entry>,
  splitIds: Record<Split, string[]>,
): (id: string, err: unknown) => void {
  return (id, err) => {
    if (!(err instanceof DataError) || onProblem === 'error') throw err;
    problem(id, err.file, err.message.slice(err.file.length + 2));
    entries.delete(id);
    for (const split of ['train', 'test'] as const)
      splitIds[split] = splitIds[split].filter((x) => x !== id);
  };
}

/** Decodes an entry, through `cache` if any; a sample count unlike the header's is an error. */
function cachingLoader(cache: Map<string, Int16Array> | null): (e: Entry) => Promise<Int16Array> {
  const flac = new FlacReader();
  return async (e) => {
    const hit = cache?.get(e.id);
    if (hit) return hit;
    const samples = await decodeFile(e.file, flac);
    if (samples.length !== e.samples)
      throw new DataError(e.file, `decoded ${samples.length} samples, header says ${e.samples}`);
    cache?.set(e.id, samples);
    return samples;
  };
}

function summarise(entries: Map<string, Entry>, ids: readonly string[]): CorpusSummary {
  const s: CorpusSummary = { utterances: 0, samples: 0, labelledFrames: 0, frames: 0 };
  for (const id of ids) {
    const e = entries.get(id)!;
    const frames = Math.floor(e.samples / FRAME_SAMPLES);
    s.utterances++;
    s.samples += e.samples;
    s.frames += frames;
    s.labelledFrames += Math.min(frames, e.labels?.length ?? 0);
  }
  return s;
}

/** AudioCorpus.epoch: see there. */
async function* epochBatches(
  state: CorpusState,
  split: Split,
  batchSize: number,
  rng: Rng,
  opts: { shuffle?: boolean } = {},
): AsyncGenerator<AudioBatch> {
  const { windowSamples, entries } = state;
  if (!Number.isInteger(batchSize) || batchSize <= 0)
    throw new ConfigError('batchSize', 'a positive integer', batchSize, 'audio corpus');
  const ids = [...state.epochOrder[split]];
  if (opts.shuffle ?? split === 'train') rng.shuffle(ids);
  const frames = windowSamples / FRAME_SAMPLES;
  let batch = newBatch(batchSize, windowSamples, state.withPhones);
  for (const id of ids) {
    const e = entries.get(id);
    if (!e) continue; // found broken (at open or in an earlier batch): no draw, no slot
    let samples: Int16Array;
    try {
      samples = await state.load(e);
    } catch (err) {
      state.dropBroken(id, err);
      continue;
    }
    const i = batch.utteranceIds.length;
    const start = drawWindowStart(samples.length, windowSamples, rng);
    normaliseInt16(samples, start, windowSamples, batch.audio, i * windowSamples);
    batch.speaker[i] = e.speaker;
    batch.startSample[i] = start;
    if (batch.phones) {
      if (e.labels) windowLabels(e.labels, start, frames, batch.phones, i * frames);
      else batch.phones.fill(-1, i * frames, (i + 1) * frames);
    }
    batch.utteranceIds.push(id);
    if (batch.utteranceIds.length === batchSize) {
      yield batch;
      batch = newBatch(batchSize, windowSamples, state.withPhones);
    }
  }
}

/** AudioCorpus.utterance: see there. */
async function wholeUtterance(state: CorpusState, id: string): Promise<Utterance> {
  const e = state.entries.get(id);
  if (!e)
    throw new DataError(
      state.root,
      `no utterance ${JSON.stringify(id)} in the corpus (not in a split file, or skipped)`,
    );
  let samples: Int16Array;
  try {
    samples = await state.load(e);
  } catch (err) {
    state.dropBroken(id, err); // records it in skip mode (rethrows otherwise); the caller still gets the error
    throw err;
  }
  const audio = new Float32Array(samples.length);
  normaliseInt16(samples, 0, samples.length, audio);
  const frames = Math.floor(samples.length / FRAME_SAMPLES);
  const phones = e.labels ? Int32Array.from(e.labels.subarray(0, frames)) : null;
  return { id, speaker: e.speaker, audio, phones };
}

function newBatch(batchSize: number, windowSamples: number, withPhones: boolean): AudioBatch {
  return {
    audio: new Float32Array(batchSize * windowSamples),
    batchSize,
    windowSamples,
    speaker: new Int32Array(batchSize),
    startSample: new Int32Array(batchSize),
    phones: withPhones ? new Int32Array((batchSize * windowSamples) / FRAME_SAMPLES) : null,
    utteranceIds: [],
  };
}

async function keepLoadable(
  ids: string[],
  entries: Map<string, Entry>,
  load: (e: Entry) => Promise<Int16Array>,
  problem: ProblemSink,
): Promise<string[]> {
  const kept: string[] = [];
  for (const id of ids) {
    const e = entries.get(id)!;
    try {
      await load(e);
      kept.push(id);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      problem(id, err.file, err.message.slice(err.file.length + 2));
      entries.delete(id);
    }
  }
  return kept;
}
