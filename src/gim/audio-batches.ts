/**
 * Where training windows come from. A source hands out [B × samples] Float32Arrays and can
 * save/restore its position so that a resumed run continues with the very next batch.
 */
import { toneBatch } from '../data/tones.js';

export interface AudioBatchSource {
  /** Next batch: Float32Array of batch × windowSamples, normalised. */
  next(): Promise<Float32Array>;
  /** JSON-serialisable position. */
  getState(): unknown;
  setState(state: unknown): Promise<void>;
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

  getState(): unknown {
    return { kind: 'tones', index: this.index };
  }

  async setState(state: unknown): Promise<void> {
    const s = state as { kind?: string; index?: number };
    if (s?.kind !== 'tones' || !Number.isInteger(s.index)) throw new Error(`tone source: cannot restore state ${JSON.stringify(state)}`);
    this.index = s.index!;
  }
}
