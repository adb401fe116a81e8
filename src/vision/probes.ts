/**
 * Linear probe of a frozen vision encoder (spec §3.7): the pooled patch grid after an encoder
 * module is averaged over the G×G patches and fed to Linear(C → classes) with bias, trained with
 * Adam (lr 1e-3) and cross-entropy; no gradient reaches the encoder (its features are computed
 * once per image view, outside any gradient tape). Training images get the training transform
 * (random crop + flip), test images the centre crop. One probe per module, trained side by side.
 * "Module k" is the k-th gradient-isolated module of the GIM layout (one ResNet stage); for the
 * end-to-end layouts, which are one module, it names the same depth inside that module, so every
 * method is probed at the same places.
 *
 * When the training transform has no crop freedom (Fashion-MNIST: 28 + 2·2 padding = the 32 crop)
 * its only randomness is the flip, so features of both views are computed once and each epoch
 * picks one view per image: the same distribution as re-encoding every epoch, at 2 passes total.
 *
 * What is probed is an ImageFeatureExtractor: the encoder's modules (`modelFeatures`) or the
 * image's own pixels (`pixelFeatures`, the raw-pixel baseline), so a baseline and a learned
 * encoder see the same images, views, standardisation and probe.
 */
import { tf } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { LinearProbe } from '../probe/linear-probe.js';
import { featureScale, standardized, type FeatureScale } from '../probe/standardize.js';
import { clusteredStandardError } from '../probe/metrics.js';
import {
  makeImageBatch,
  type ImageBatch,
  type ImagePipelineConfig,
  type ImageSet,
} from './data/index.js';
import { patchBatch } from './data.js';
import { ConfigError } from '../errors.js';
import type { VisionGimModel } from './model.js';

export interface ProbeOptions {
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
  /** Images per forward pass of the encoder. */
  readonly encodeBatch: number;
  readonly seed: number;
  /**
   * Standardise each feature with the mean and std of the first training epoch's features (the
   * same affine map on train and test). A reparametrisation of the same linear classifier that
   * only speeds up optimisation; the reference trains on raw features for 300 epochs instead.
   */
  readonly standardize: boolean;
  /** Train on random horizontal flips (the reference's transform); false: the image as it is. */
  readonly flip?: boolean;
}

export interface ModuleProbeResult {
  /** 1-based encoder module (see the file comment for the end-to-end layouts). */
  readonly module: number;
  readonly channels: number;
  /** Top-1 test accuracy. */
  readonly accuracy: number;
  /** Binomial standard error of `accuracy` (test images are independent draws). */
  readonly standardError: number;
  /** Test images scored. */
  readonly testImages: number;
  /** Test accuracy per class (NaN for a class absent from the test images). */
  readonly perClass: number[];
  /** Mean cross-entropy of the last training epoch. */
  readonly trainLoss: number;
}

/**
 * Features of a batch of transformed images, one matrix per probed position: after each encoder
 * module, or the pixels themselves. Each is [B, C_m] row-major.
 */
export interface ImageFeatureExtractor {
  features(batch: ImageBatch): Float32Array[];
}

/** The mean-pooled patch grid after every encoder module ([B, C_m] per module). */
export function modelFeatures(
  model: VisionGimModel,
  pipeline: ImagePipelineConfig,
): ImageFeatureExtractor {
  return {
    features(batch) {
      const { patches, patchShape } = patchBatch(batch, pipeline);
      const feats = tf.tidy(() => {
        const x = tf.tensor4d(patches, [...patchShape]); // [B·G·G, p, p, C]
        return model.representations(x).map((grid) => tf.mean(grid, [1, 2])); // [B, C_m] per module
      });
      const out = feats.map((f) => f.dataSync() as Float32Array);
      tf.dispose(feats);
      return out;
    },
  };
}

/**
 * The raw-pixel baseline: the transformed image (normalised, the same view the encoder gets),
 * flattened to [B, side·side·C]. When the crop has no freedom (Fashion-MNIST: 28 + 2·2 = 32)
 * the zero border of width `pad` is the same in every image and is dropped, so the dimension is
 * the image's own (784 for Fashion-MNIST); otherwise the whole crop is kept.
 */
export function pixelFeatures(pipeline: ImagePipelineConfig, set: ImageSet): ImageFeatureExtractor {
  const border = fixedCrop(pipeline, set) ? pipeline.pad : 0;
  return {
    features(batch) {
      const { batchSize, size, channels } = batch;
      const side = size - 2 * border;
      const rowValues = side * channels;
      const out = new Float32Array(batchSize * side * rowValues); // [B, side, side, C]
      for (let b = 0; b < batchSize; b++)
        for (let y = 0; y < side; y++) {
          const from = ((b * size + y + border) * size + border) * channels;
          out.set(batch.images.subarray(from, from + rowValues), (b * side + y) * rowValues);
        }
      return [out];
    },
  };
}

/** True when the training transform cannot move the image inside the crop (only flips it). */
export function fixedCrop(pipeline: ImagePipelineConfig, set: ImageSet): boolean {
  return (
    set.height + 2 * pipeline.pad === pipeline.crop &&
    set.width + 2 * pipeline.pad === pipeline.crop
  );
}

/** Per-module features [count, C_m] of `indices`, flipped horizontally if asked. */
export function encodeImages(
  extractor: ImageFeatureExtractor,
  set: ImageSet,
  pipeline: ImagePipelineConfig,
  indices: Int32Array,
  encodeBatch: number,
  view: { train: false; flip: boolean } | { train: true; rng: Rng },
): Float32Array[] {
  const out: Float32Array[] = [];
  for (let start = 0; start < indices.length; start += encodeBatch) {
    const ids = indices.subarray(start, Math.min(indices.length, start + encodeBatch));
    const batch = makeImageBatch(
      set,
      ids,
      pipeline,
      view.train ? view.rng : new Rng(0),
      view.train,
    );
    if (!view.train && view.flip)
      flipImages(batch.images, batch.batchSize, batch.size, batch.channels);
    extractor.features(batch).forEach((values, m) => {
      const channels = values.length / ids.length;
      out[m] ??= new Float32Array(indices.length * channels);
      out[m]!.set(values, start * channels);
    });
  }
  return out;
}

/** Mirrors each [size, size, C] image left-right in place. */
export function flipImages(
  images: Float32Array,
  batch: number,
  size: number,
  channels: number,
): void {
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < size; y++) {
      const row = (b * size + y) * size * channels;
      for (let x = 0; x < size >> 1; x++) {
        for (let ch = 0; ch < channels; ch++) {
          const i = row + x * channels + ch;
          const j = row + (size - 1 - x) * channels + ch;
          const t = images[i]!;
          images[i] = images[j]!;
          images[j] = t;
        }
      }
    }
  }
}

/** Picks rows of a [n, C] feature matrix. */
function rowsOf(features: Float32Array, channels: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * channels);
  for (let i = 0; i < rows.length; i++)
    out.set(features.subarray(rows[i]! * channels, (rows[i]! + 1) * channels), i * channels);
  return out;
}

/** The images to probe on and the transform that makes their views. */
interface ProbeImages {
  readonly extractor: ImageFeatureExtractor;
  readonly pipeline: ImagePipelineConfig;
  readonly set: ImageSet;
  readonly indices: Int32Array;
  readonly encodeBatch: number;
}

/**
 * Per-module training features of one epoch, one view per image. When the training transform
 * has no crop freedom both flips are encoded once (`fixedViews`) and each epoch picks one per
 * image; otherwise every epoch re-encodes with a fresh random crop and flip.
 */
function epochFeatures(
  images: ProbeImages,
  fixedViews: Float32Array[][] | null,
  rng: Rng,
): Float32Array[] {
  const { extractor, pipeline, set, indices, encodeBatch } = images;
  if (!fixedViews)
    return encodeImages(extractor, set, pipeline, indices, encodeBatch, { train: true, rng });
  // One view per image (the flip of the training transform), the same for every module; with
  // one fixed view (probe.flip false) that view, with the same draws so the batch order matches.
  const flip = Uint8Array.from(indices, () =>
    rng.uniform() < 0.5 && fixedViews.length > 1 ? 1 : 0,
  );
  return fixedViews[0]!.map((unflipped, m) => {
    const C = unflipped.length / indices.length;
    const f = new Float32Array(indices.length * C);
    for (let i = 0; i < indices.length; i++)
      f.set(fixedViews[flip[i]!]![m]!.subarray(i * C, (i + 1) * C), i * C);
    return f;
  });
}

/**
 * Trains one probe per encoder module on `trainSet[trainIdx]` and tests on `testSet[testIdx]`.
 * The model is only read. `source` is a model (its modules are probed) or any extractor.
 */
export function probeModules(
  source: VisionGimModel | ImageFeatureExtractor,
  pipeline: ImagePipelineConfig,
  trainSet: ImageSet,
  trainIdx: Int32Array,
  testSet: ImageSet,
  testIdx: Int32Array,
  classes: number,
  opts: ProbeOptions,
): ModuleProbeResult[] {
  const rng = new Rng(opts.seed);
  const extractor = 'features' in source ? source : modelFeatures(source, pipeline);
  const images = {
    extractor,
    pipeline,
    set: trainSet,
    indices: trainIdx,
    encodeBatch: opts.encodeBatch,
  };
  const noFlip = opts.flip === false;
  if (noFlip && !fixedCrop(pipeline, trainSet))
    throw new ConfigError(
      'probe.flip',
      'true for a data set with random crops (only a fixed crop can be probed without flips)',
      false,
    );
  const fixedViews = fixedCrop(pipeline, trainSet)
    ? (noFlip ? [false] : [false, true]).map((flip) =>
        encodeImages(extractor, trainSet, pipeline, trainIdx, opts.encodeBatch, {
          train: false,
          flip,
        }),
      )
    : null;
  const trainLabels = Int32Array.from(trainIdx, (i) => trainSet.label(i));
  let probes: LinearProbe[] = [];
  let scales: FeatureScale[] | null = null;
  let lastLoss: number[] = [];
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      let feats = epochFeatures(images, fixedViews, rng);
      const channels = feats.map((f) => f.length / trainIdx.length);
      if (epoch === 0) {
        if (opts.standardize) scales = feats.map((f, m) => featureScale(f, channels[m]!));
        const init = new Rng(opts.seed + 1);
        probes = channels.map((C) => new LinearProbe(C, classes, init, opts));
      }
      if (scales) feats = feats.map((f, m) => standardized(f, scales![m]!));
      const order = rng.permutation(trainIdx.length);
      lastLoss = trainEpoch(probes, feats, order, trainLabels, opts.batchSize);
    }
    return testModules(
      probes,
      scales,
      lastLoss,
      { ...images, set: testSet, indices: testIdx },
      classes,
    );
  } finally {
    probes.forEach((p) => p.dispose());
  }
}

/** One pass over `order` in batches: one Adam step per probe per batch; mean loss per probe. */
function trainEpoch(
  probes: readonly LinearProbe[],
  features: readonly Float32Array[],
  order: Int32Array,
  labels: Int32Array,
  batchSize: number,
): number[] {
  const sums = probes.map(() => 0);
  let batches = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.subarray(start, Math.min(order.length, start + batchSize));
    const batchLabels = Int32Array.from(rows, (r) => labels[r]!);
    probes.forEach(
      (probe, m) => (sums[m]! += probe.step(rowsOf(features[m]!, probe.dim, rows), batchLabels)),
    );
    batches += 1;
  }
  return sums.map((v) => v / batches);
}

/** Scores every module's probe on the centre crop of the test images (untrained: class 0). */
function testModules(
  probes: readonly LinearProbe[],
  scales: readonly FeatureScale[] | null,
  lastLoss: readonly number[],
  images: ProbeImages,
  classes: number,
): ModuleProbeResult[] {
  const { extractor, pipeline, set, indices, encodeBatch } = images;
  const testFeats = encodeImages(extractor, set, pipeline, indices, encodeBatch, {
    train: false,
    flip: false,
  });
  const testLabels = Int32Array.from(indices, (i) => set.label(i));
  return testFeats.map((raw, m) => {
    const f = scales ? standardized(raw, scales[m]!) : raw;
    const predicted = probes[m]?.predict(f) ?? new Int32Array(indices.length);
    const scores = scorePredictions(predicted, testLabels, classes);
    return {
      module: m + 1,
      channels: f.length / indices.length,
      ...scores,
      standardError: clusteredStandardError(testLabels, predicted, scores.accuracy).standardError,
      testImages: indices.length,
      trainLoss: lastLoss[m] ?? Number.NaN,
    };
  });
}

/** Top-1 and per-class accuracy of predictions. */
export function scorePredictions(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): { accuracy: number; perClass: number[] } {
  const hits = new Array<number>(classes).fill(0);
  const counts = new Array<number>(classes).fill(0);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i]!]! += 1;
    if (predicted[i] === labels[i]) {
      correct += 1;
      hits[labels[i]!]! += 1;
    }
  }
  return {
    accuracy: labels.length ? correct / labels.length : Number.NaN,
    perClass: hits.map((h, c) => (counts[c] ? h / counts[c]! : Number.NaN)),
  };
}
