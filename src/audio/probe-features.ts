/**
 * Feature extraction for the audio probes, done once and cached as plain arrays:
 * - speaker: random windows (as the corpus loader draws them; one per utterance per draw), each
 *   module's output averaged over time (spec §2.7; the reference pools the final GRU context);
 * - phone: whole utterances, one feature row per labelled 10 ms frame.
 * Everything runs forward only; no gradient closure is open here.
 */
import type { Rng } from '../backend/random.js';
import type { AudioCorpus, Split, Utterance } from './data/index.js';
import { DataError } from '../errors.js';
import type { FeatureBlock, FrozenEncoder } from './encoders.js';
import type { FeatureSet } from '../probe/linear-probe.js';

export type ExtractProgress = (done: number, total: number) => void;

/**
 * `windowsPerUtterance` draws of random windows from `split` (the corpus's own window sampling,
 * one window per utterance per draw, in split order, all from `rng`) → per module, time-averaged
 * features and speaker labels, the windows of one utterance in adjacent rows. With several
 * windows per utterance the set is grouped by utterance (`groups`), because windows cut from one
 * recording are not independent test items (the probe's standard error is then cluster-robust).
 * One window per utterance gives the rows (and the draws from `rng`) of a single pass.
 */
export async function speakerFeatures(
  corpus: AudioCorpus,
  encoder: FrozenEncoder,
  split: Split,
  rng: Rng,
  extractBatch: number,
  onProgress?: ExtractProgress,
  windowsPerUtterance = 1,
): Promise<FeatureSet[]> {
  const samples = corpus.windowSamples;
  // Keyed by utterance id, so a file found broken during a later draw cannot shift the groups.
  const byUtterance = new Map<string, { speaker: number; windows: Float32Array[] }>();
  for (let draw = 0; draw < windowsPerUtterance; draw++) {
    for await (const b of corpus.epoch(split, 1, rng, { shuffle: false })) {
      const id = b.utteranceIds[0]!;
      const entry = byUtterance.get(id) ?? { speaker: b.speaker[0]!, windows: [] };
      entry.windows.push(b.audio);
      byUtterance.set(id, entry);
    }
  }
  const audio = [...byUtterance.values()].flatMap((u) => u.windows);
  const speakers = [...byUtterance.values()].flatMap((u) => u.windows.map(() => u.speaker));
  const groups = [0];
  for (const u of byUtterance.values()) groups.push(groups[groups.length - 1]! + u.windows.length);
  const n = audio.length;
  const pooled: Float32Array[][] = Array.from({ length: encoder.moduleCount }, () => []);
  for (let start = 0; start < n; start += extractBatch) {
    const count = Math.min(extractBatch, n - start);
    const batch = new Float32Array(count * samples);
    for (let i = 0; i < count; i++) batch.set(audio[start + i]!, i * samples);
    encoder.encode(batch, count, samples).forEach((block, m) => pooled[m]!.push(timeMean(block)));
    onProgress?.(start + count, n);
  }
  const y = Int32Array.from(speakers);
  return pooled.map((chunks) => {
    const x = concat(chunks, (length) => new Float32Array(length));
    return {
      x,
      y,
      dim: x.length / n,
      ...(windowsPerUtterance > 1 ? { groups: Int32Array.from(groups) } : {}),
    };
  });
}

/**
 * Whole utterances of `split` → per module, one row per labelled frame, grouped by utterance.
 * A module whose output has at least twice as many frames as there are labels (the lower conv
 * modules) is average-pooled onto the label frames; otherwise the last len(labels) outputs are
 * kept (the reference cuts from the front; spec §2.7).
 *
 * Speed: utterances are encoded `extractBatch` at a time (sorted by length within blocks of
 * 8·extractBatch, zero-padded at the end), because the GRU runs step by step and batching divides
 * its cost. The GRU is causal, so padding changes nothing before an utterance's end; only the
 * last one or two 10 ms frames, whose conv receptive field reaches past the end, see the encoder's
 * response to padded zeros instead of the convs' own zero padding.
 */
export async function phoneFeatures(
  corpus: AudioCorpus,
  encoder: FrozenEncoder,
  split: Split,
  extractBatch: number,
  onProgress?: ExtractProgress,
): Promise<FeatureSet[]> {
  const ids = corpus.ids(split);
  const rows: Float32Array[][] = Array.from({ length: encoder.moduleCount }, () => []);
  const labels: Int32Array[] = [];
  const groups = [0];
  let dims: number[] = [];
  let done = 0;
  for (let blockStart = 0; blockStart < ids.length; blockStart += 8 * extractBatch) {
    const utts = [];
    for (const id of ids.slice(blockStart, blockStart + 8 * extractBatch)) {
      const u = await utteranceOrSkip(corpus, id);
      if (u?.phones && u.phones.length > 0) utts.push(u);
    }
    utts.sort((a, b) => a.audio.length - b.audio.length);
    for (let s = 0; s < utts.length; s += extractBatch) {
      const batch = utts.slice(s, s + extractBatch);
      const samples = batch[batch.length - 1]!.audio.length;
      const audio = new Float32Array(batch.length * samples);
      batch.forEach((u, b) => audio.set(u.audio, b * samples));
      const blocks = encoder.encode(audio, batch.length, samples);
      dims = blocks.map((bl) => bl.dim);
      batch.forEach((u, b) => {
        const phones = u.phones!;
        const frames = encoder.frameCounts(u.audio.length);
        const items = blocks.map((bl, m) => itemBlock(bl, b, frames[m]!));
        const n = Math.min(phones.length, ...frames);
        items.forEach((item, m) => rows[m]!.push(alignFrames(item, n, phones.length)));
        labels.push(Int32Array.from(phones.subarray(phones.length - n)));
        groups.push(groups[groups.length - 1]! + n);
      });
    }
    done = Math.min(ids.length, blockStart + 8 * extractBatch);
    onProgress?.(done, ids.length);
  }
  const y = concat(labels, (length) => new Int32Array(length));
  return rows.map((chunks, m) => ({
    x: concat(chunks, (length) => new Float32Array(length)),
    y,
    dim: dims[m] ?? 0,
    groups: Int32Array.from(groups),
  }));
}

/** Item b of a padded batch block, cut to its own `frames`. */
function itemBlock(block: FeatureBlock, b: number, frames: number): FeatureBlock {
  const { frames: padded, dim, data } = block;
  const start = b * padded * dim;
  return { batch: 1, frames, dim, data: data.subarray(start, start + frames * dim) };
}

/** Mean over time of each item: [B, T, D] → [B, D]. */
export function timeMean(block: FeatureBlock): Float32Array {
  const { batch, frames, dim, data } = block;
  const out = new Float32Array(batch * dim);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < frames; t++) {
      const row = (b * frames + t) * dim;
      for (let d = 0; d < dim; d++) out[b * dim + d]! += data[row + d]!;
    }
    for (let d = 0; d < dim; d++) out[b * dim + d]! /= frames;
  }
  return out;
}

/**
 * Rows for the last `keep` of `labelCount` label frames from one utterance's block [1, T, D].
 * T ≥ 2·labelCount: adaptive average pooling of T onto labelCount bins (PyTorch's bin edges),
 * then the last `keep` bins; otherwise the last `keep` frames of T.
 */
export function alignFrames(block: FeatureBlock, keep: number, labelCount: number): Float32Array {
  const { frames, dim, data } = block;
  const out = new Float32Array(keep * dim);
  if (frames < 2 * labelCount) {
    out.set(data.subarray((frames - keep) * dim, frames * dim));
    return out;
  }
  for (let i = 0; i < keep; i++) {
    const bin = labelCount - keep + i;
    const a = Math.floor((bin * frames) / labelCount);
    const b = Math.ceil(((bin + 1) * frames) / labelCount);
    for (let t = a; t < b; t++)
      for (let d = 0; d < dim; d++) out[i * dim + d]! += data[t * dim + d]!;
    for (let d = 0; d < dim; d++) out[i * dim + d]! /= b - a;
  }
  return out;
}

/** The chunks end to end, in a new array of the same kind. */
function concat<T extends Float32Array | Int32Array>(
  chunks: readonly T[],
  make: (length: number) => T,
): T {
  const out = make(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * The utterance, or null when its file turned out broken now and the corpus (in skip mode)
 * recorded it in `skipped`; in strict mode the corpus throws and so does this.
 */
async function utteranceOrSkip(corpus: AudioCorpus, id: string): Promise<Utterance | null> {
  try {
    return await corpus.utterance(id);
  } catch (err) {
    if (err instanceof DataError && corpus.skipped.some((s) => s.utterance === id)) return null;
    throw err;
  }
}
