/**
 * Where training windows come from. A source hands out [B × samples] Float32Arrays and can
 * save/restore its position so that a resumed run continues with the very next batch.
 */
import { toneBatch } from './data/tones.js';
import { Rng } from '../backend/random.js';
import { DataError } from '../errors.js';

/** Windows with their labels, for building an activation cache. */
export interface LabelledWindows {
  readonly audio: Float32Array;
  readonly speaker: Int32Array;
  readonly startSample: Int32Array;
}

export interface AudioBatchSource {
  /** Next batch: Float32Array of batch × windowSamples, normalised. */
  next(): Promise<Float32Array>;
  /**
   * A finite, deterministic pass over the training set (`draws` random windows per utterance,
   * or `items` generated windows for tones), for the activation cache.
   */
  finitePass(draws: number, items: number): AsyncIterable<LabelledWindows>;
  /** JSON-serialisable position. */
  getState(): unknown;
  setState(state: unknown): Promise<void>;
  /** Utterances a corpus source left out (at open, or when first read during training). */
  readonly skipped?: readonly SkippedItem[];
}

export interface SkippedItem {
  utterance: string;
  reason: string;
}

/** Generated tones; batch i depends only on (seed, i). */
export class ToneSource implements AudioBatchSource {
  private index = 0;

  constructor(
    private readonly seed: number,
    private readonly batchSize: number,
    private readonly windowSamples: number,
  ) {}

  async next(): Promise<Float32Array> {
    return toneBatch(this.seed, this.index++, this.batchSize, this.windowSamples);
  }

  async *finitePass(_draws: number, items: number): AsyncGenerator<LabelledWindows> {
    // Tones have no finite training set: a fixed set of `items` windows from a separate index range.
    for (let i = 0; i < Math.floor(items / this.batchSize); i++) {
      const audio = toneBatch(this.seed, 1_000_000 + i, this.batchSize, this.windowSamples);
      yield {
        audio,
        speaker: new Int32Array(this.batchSize).fill(-1),
        startSample: new Int32Array(this.batchSize).fill(-1),
      };
    }
  }

  getState(): unknown {
    return { kind: 'tones', index: this.index };
  }

  async setState(state: unknown): Promise<void> {
    const s = state as { kind?: string; index?: number };
    if (s?.kind !== 'tones' || !Number.isInteger(s.index))
      throw new Error(`tone source: cannot restore state ${JSON.stringify(state)}`);
    this.index = s.index!;
  }
}

/** The slice of a corpus that training needs (see src/audio/data). */
export interface WindowCorpus {
  epoch(
    split: 'train',
    batchSize: number,
    rng: Rng,
    opts?: { shuffle?: boolean },
  ): AsyncIterable<LabelledWindows>;
  /** Grows as broken utterances are found; epochs pass over them without drawing for them. */
  readonly skipped?: readonly SkippedItem[];
  /** The corpus folder and its usable training utterances, for the too-few-utterances error. */
  readonly root?: string;
  ids?(split: 'train'): readonly string[];
}

interface CorpusState {
  kind: 'corpus';
  epoch: number;
  /** Rng state at the start of the current epoch. */
  epochRng: number[];
  /** Batches already taken from the current epoch. */
  batchInEpoch: number;
}

/**
 * Random windows from a corpus, epoch after epoch (a fresh random window per utterance per
 * epoch). Its state is the epoch's starting Rng state plus the batches consumed, so a resumed
 * run replays the epoch's draws and continues with the very next batch. A file that turns out
 * broken when first read is skipped by the corpus (see `skipped`); the corpus keeps the epoch
 * order and draws independent of when that happens, so replay stays exact.
 */
export class CorpusSource implements AudioBatchSource {
  private readonly rng: Rng;
  private epochIndex = 0;
  private epochRng: number[];
  private batchInEpoch = 0;
  private iterator: AsyncIterator<LabelledWindows> | null = null;

  constructor(
    private readonly corpus: WindowCorpus,
    private readonly batchSize: number,
    private readonly seed: number,
  ) {
    this.rng = new Rng(seed);
    this.epochRng = this.rng.getState();
  }

  get skipped(): readonly SkippedItem[] {
    return this.corpus.skipped ?? [];
  }

  async next(): Promise<Float32Array> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.iterator ??= this.corpus
        .epoch('train', this.batchSize, this.rng)
        [Symbol.asyncIterator]();
      const { value, done } = await this.iterator.next();
      if (!done) {
        this.batchInEpoch += 1;
        return value.audio;
      }
      // Epoch finished: the next one continues from the current Rng state.
      this.iterator = null;
      this.epochIndex += 1;
      this.batchInEpoch = 0;
      this.epochRng = this.rng.getState();
    }
    throw this.tooFewUtterances();
  }

  private tooFewUtterances(): DataError {
    const b = this.batchSize;
    const found = this.corpus.ids?.('train').length;
    if (this.corpus.root === undefined || found === undefined)
      return new DataError(
        'training corpus',
        `an epoch yields no batch of ${b} windows (too few training utterances)`,
      );
    const fix =
      found > 0 ? `use --batch-size ${found} or fewer, or a larger corpus` : 'use a larger corpus';
    return new DataError(
      this.corpus.root,
      `training split: expected at least ${b} utterances for a batch of ${b} (one window per utterance per epoch), found ${found}; ${fix}`,
    );
  }

  async *finitePass(draws: number): AsyncGenerator<LabelledWindows> {
    // `draws` epochs of one random window per utterance, in a fixed order and with fixed seeds.
    for (let d = 0; d < draws; d++) {
      yield* this.corpus.epoch(
        'train',
        this.batchSize,
        new Rng((this.seed * 31 + 0x5eed + d) >>> 0),
        { shuffle: false },
      );
    }
  }

  getState(): unknown {
    const state: CorpusState = {
      kind: 'corpus',
      epoch: this.epochIndex,
      epochRng: this.epochRng,
      batchInEpoch: this.batchInEpoch,
    };
    return state;
  }

  async setState(state: unknown): Promise<void> {
    const s = state as CorpusState;
    if (s?.kind !== 'corpus')
      throw new Error(`corpus source: cannot restore state ${JSON.stringify(state)}`);
    this.rng.setState(s.epochRng);
    this.epochIndex = s.epoch;
    this.epochRng = s.epochRng;
    this.batchInEpoch = 0;
    this.iterator = null;
    for (let i = 0; i < s.batchInEpoch; i++) await this.next();
  }
}
