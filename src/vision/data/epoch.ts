/**
 * One pass over an image set in batches, and the random train/validation split of the
 * reference's --validate. Batches are made lazily, so only one is in memory at a time.
 */

import { ConfigError } from '../../errors.js';
import type { Rng } from '../../backend/random.js';
import type { ImageSet } from './image-set.js';
import {
  makeImageBatch,
  validatePipeline,
  type ImageBatch,
  type ImagePipelineConfig,
} from './pipeline.js';

export interface ImageEpochOptions {
  /** Training transform (random crop + flip) if true, else the centre crop. */
  readonly train: boolean;
  /** Visit the images in a fresh random order (the reference shuffles train loaders only). */
  readonly shuffle: boolean;
  /** Skip a last, smaller batch (the reference keeps it). */
  readonly dropLast: boolean;
  /** Visit only these image indices (e.g. one side of splitIndices); default: all. */
  readonly indices?: ArrayLike<number>;
}

/** Number of batches imageEpoch yields for n images. */
export function imageBatchCount(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Yields the batches of one epoch. With shuffle, the order is one rng.permutation drawn before
 * the first batch; crop/flip draws follow from the same rng, batch by batch.
 */
export function* imageEpoch(
  set: ImageSet,
  batchSize: number,
  cfg: ImagePipelineConfig,
  rng: Rng,
  opts: ImageEpochOptions,
): Generator<ImageBatch, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigError('batchSize', 'an integer >= 1', batchSize, 'image epoch');
  }
  validatePipeline(cfg, set);
  const pool = opts.indices ?? null;
  const n = pool === null ? set.count : pool.length;
  const order = opts.shuffle ? rng.permutation(n) : null;
  const batches = imageBatchCount(n, batchSize, opts.dropLast);
  for (let k = 0; k < batches; k++) {
    const start = k * batchSize;
    const len = Math.min(batchSize, n - start);
    const indices = new Int32Array(len);
    for (let j = 0; j < len; j++) {
      const pos = order === null ? start + j : order[start + j]!;
      indices[j] = pool === null ? pos : pool[pos]!;
    }
    yield makeImageBatch(set, indices, cfg, rng, opts.train);
  }
}

/**
 * A random split of 0..count-1 into train and validation indices (validation gets
 * floor(fraction*count) images; the reference's --validate uses fraction 0.2). Both sorted.
 */
export function splitIndices(
  count: number,
  fraction: number,
  rng: Rng,
): { train: Int32Array; validation: Int32Array } {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new ConfigError('validationFraction', 'a number in [0, 1]', fraction, 'image epoch');
  }
  const perm = rng.permutation(count);
  const nVal = Math.floor(fraction * count);
  return {
    validation: perm.slice(0, nVal).sort(),
    train: perm.slice(nVal).sort(),
  };
}
