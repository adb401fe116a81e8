/**
 * Image batches for vision training and probing. Randomness is derived from (seed, epoch, batch)
 * alone, so the source's whole state is two integers and a resumed run sees the same batches.
 */
import { Rng } from '../backend/random.js';
import { DataError } from '../errors.js';
import {
  cutPatches,
  makeImageBatch,
  openFashionMnist,
  openStl10,
  validatePipeline,
  FASHION_MNIST_DIR,
  type ImageBatch,
  type ImagePipelineConfig,
  type ImageSet,
} from './data/index.js';
import { visionPipeline, type VisionDataConfig, type VisionGimConfig } from './config.js';

export type VisionSplit = 'self-supervised' | 'labelled-train' | 'test';

/**
 * Opens the image set a stage uses: self-supervised training reads Fashion-MNIST train (labels
 * ignored) or STL-10 unlabeled; probes and supervised baselines read the labelled train split;
 * evaluation reads test.
 */
export function openVisionSet(data: VisionDataConfig, split: VisionSplit): ImageSet {
  if (data.source === 'stl10') {
    if (!data.dir)
      throw new DataError('(data.dir)', 'STL-10 needs the directory that holds stl10_binary/');
    return openStl10(
      data.dir,
      split === 'self-supervised' ? 'unlabeled' : split === 'test' ? 'test' : 'train',
    );
  }
  return openFashionMnist(split === 'test' ? 'test' : 'train', data.dir || FASHION_MNIST_DIR);
}

export interface VisionBatch extends ImageBatch {
  /** Patches [B·G·G, p, p, C] in (image, row, column) order. */
  readonly patches: Float32Array;
  readonly patchShape: readonly [number, number, number, number];
}

/** Cuts a transformed batch into patches. */
export function patchBatch(batch: ImageBatch, pipeline: ImagePipelineConfig): VisionBatch {
  const { patchSize: p, patchStride } = pipeline;
  const patches = cutPatches(
    batch.images,
    batch.batchSize,
    batch.size,
    batch.channels,
    p,
    patchStride,
  );
  return {
    ...batch,
    patches,
    patchShape: [patches.length / (p * p * batch.channels), p, p, batch.channels],
  };
}

function mix(seed: number, a: number, b: number): number {
  // A small integer hash so (seed, epoch, batch) streams are independent.
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ a, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface VisionSourceState {
  readonly epoch: number;
  readonly batch: number;
}

/** Endless shuffled training batches (train transform, full batches only). */
export class VisionBatchSource {
  private epoch = 0;
  private batchIndex = 0;
  private order: Int32Array | null = null;
  readonly pipeline: ImagePipelineConfig;
  readonly batchesPerEpoch: number;

  constructor(
    readonly set: ImageSet,
    data: VisionDataConfig,
    readonly batchSize: number,
    readonly seed: number,
    /** Use only the first `limit` images (0 = all). */
    limit = 0,
  ) {
    this.pipeline = visionPipeline(data);
    validatePipeline(this.pipeline, set);
    this.count = limit > 0 ? Math.min(limit, set.count) : set.count;
    this.batchesPerEpoch = Math.floor(this.count / batchSize);
    if (this.batchesPerEpoch < 1)
      throw new DataError(
        set.name,
        `${this.count} images are fewer than one batch of ${batchSize}`,
      );
  }

  readonly count: number;

  next(): VisionBatch {
    if (this.batchIndex >= this.batchesPerEpoch) {
      this.epoch += 1;
      this.batchIndex = 0;
      this.order = null;
    }
    this.order ??= new Rng(mix(this.seed, this.epoch, 0xffff)).permutation(this.count);
    const start = this.batchIndex * this.batchSize;
    const indices = this.order.slice(start, start + this.batchSize);
    const rng = new Rng(mix(this.seed, this.epoch, this.batchIndex));
    this.batchIndex += 1;
    return patchBatch(makeImageBatch(this.set, indices, this.pipeline, rng, true), this.pipeline);
  }

  /**
   * A finite deterministic pass for the activation cache: the first `images` training images
   * (0: all) in stored order, `draws` times, each time with its own random train transform.
   * The last batch of a pass may be short.
   */
  *finitePass(draws: number, images: number): Generator<VisionBatch & { indices: Int32Array }> {
    const count = images > 0 ? Math.min(images, this.count) : this.count;
    for (let draw = 0; draw < draws; draw++) {
      for (let start = 0, b = 0; start < count; start += this.batchSize, b++) {
        const indices = Int32Array.from(
          { length: Math.min(this.batchSize, count - start) },
          (_, i) => start + i,
        );
        // A stream apart from training's (epoch numbers count up from 0; these from 2^20).
        const rng = new Rng(mix(this.seed, 0x100000 + draw, b));
        yield {
          ...patchBatch(makeImageBatch(this.set, indices, this.pipeline, rng, true), this.pipeline),
          indices,
        };
      }
    }
  }

  getState(): VisionSourceState {
    return { epoch: this.epoch, batch: this.batchIndex };
  }

  setState(state: VisionSourceState): void {
    this.epoch = state.epoch;
    this.batchIndex = state.batch;
    this.order = null;
  }
}

/**
 * The batch source a training run reads: the self-supervised split for InfoNCE, the labelled
 * train split for the supervised baselines (its first `labelledLimit` images; 0 = all). The data
 * stream is seeded apart from the weights (seed + 2), as in every vision run so far.
 */
export function openTrainingSource(
  config: VisionGimConfig,
  labelledLimit = 0,
): { set: ImageSet; source: VisionBatchSource } {
  const supervised = config.loss.objective === 'supervised';
  const set = openVisionSet(config.data, supervised ? 'labelled-train' : 'self-supervised');
  const source = new VisionBatchSource(
    set,
    config.data,
    config.train.batchSize,
    config.train.seed + 2,
    supervised ? labelledLimit : 0,
  );
  return { set, source };
}
