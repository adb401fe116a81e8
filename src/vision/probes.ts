/**
 * Linear probe of a frozen vision encoder (spec §3.7): the pooled patch grid after an encoder
 * stage is averaged over the G×G patches and fed to Linear(C → classes) with bias, trained with
 * Adam (lr 1e-3) and cross-entropy; no gradient reaches the encoder (its features are computed
 * once per image view, outside any gradient tape). Training images get the training transform
 * (random crop + flip), test images the centre crop. One probe per stage, trained side by side.
 *
 * When the training transform has no crop freedom (Fashion-MNIST: 28 + 2·2 padding = the 32 crop)
 * its only randomness is the flip, so features of both views are computed once and each epoch
 * picks one view per image: the same distribution as re-encoding every epoch, at 2 passes total.
 */
import { tf } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { Adam } from '../nn/adam.js';
import { Linear } from '../nn/linear.js';
import { makeImageBatch, type ImagePipelineConfig, type ImageSet } from './data/index.js';
import { patchBatch } from './data.js';
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
}

export interface StageProbeResult {
  /** 1-based encoder stage (= module for the 'gim' layout). */
  readonly stage: number;
  readonly channels: number;
  /** Top-1 test accuracy. */
  readonly accuracy: number;
  /** Test accuracy per class (NaN for a class absent from the test images). */
  readonly perClass: number[];
  /** Mean cross-entropy of the last training epoch. */
  readonly trainLoss: number;
}

/** Per-stage mean-pooled features [count, C_s] of `indices`, flipped horizontally if asked. */
export function encodeImages(
  model: VisionGimModel,
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
    const { patches, patchShape } = patchBatch(batch, pipeline);
    const feats = tf.tidy(() => {
      const x = tf.tensor4d(patches, [...patchShape]); // [B·G·G, p, p, C]
      return model.representations(x).map((grid) => tf.mean(grid, [1, 2])); // [B, C_s] per stage
    });
    feats.forEach((f, s) => {
      const values = f.dataSync() as Float32Array;
      const channels = f.shape[1]!;
      out[s] ??= new Float32Array(indices.length * channels);
      out[s]!.set(values, start * channels);
    });
    tf.dispose(feats);
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

/**
 * Trains one probe per encoder stage on `trainSet[trainIdx]` and tests on `testSet[testIdx]`.
 * The model is only read.
 */
export function probeStages(
  model: VisionGimModel,
  pipeline: ImagePipelineConfig,
  trainSet: ImageSet,
  trainIdx: Int32Array,
  testSet: ImageSet,
  testIdx: Int32Array,
  classes: number,
  opts: ProbeOptions,
): StageProbeResult[] {
  const rng = new Rng(opts.seed);
  const fixedCrop =
    trainSet.height + 2 * pipeline.pad === pipeline.crop &&
    trainSet.width + 2 * pipeline.pad === pipeline.crop;
  const views = fixedCrop
    ? [false, true].map((flip) =>
        encodeImages(model, trainSet, pipeline, trainIdx, opts.encodeBatch, { train: false, flip }),
      )
    : null;
  const stages = (
    views
      ? views[0]!
      : encodeImages(model, trainSet, pipeline, trainIdx.subarray(0, 1), 1, {
          train: false,
          flip: false,
        })
  ).length;
  const channels = Array.from({ length: stages }, (_, s) =>
    views ? views[0]![s]!.length / trainIdx.length : 0,
  );
  const trainLabels = Int32Array.from(trainIdx, (i) => trainSet.label(i));
  let probes: Linear[] | null = null;
  let optimizers: Adam[] = [];
  let scalers: { mean: Float32Array; invStd: Float32Array }[] | null = null;
  const lastLoss = new Array<number>(stages).fill(Number.NaN);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    let feats: Float32Array[];
    if (views) {
      // One view per image (the flip of the training transform), the same for every stage.
      const flip = Uint8Array.from(trainIdx, () => (rng.uniform() < 0.5 ? 1 : 0));
      feats = views[0]!.map((_, s) => {
        const C = channels[s]!;
        const f = new Float32Array(trainIdx.length * C);
        for (let i = 0; i < trainIdx.length; i++)
          f.set(views[flip[i]!]![s]!.subarray(i * C, (i + 1) * C), i * C);
        return f;
      });
    } else {
      feats = encodeImages(model, trainSet, pipeline, trainIdx, opts.encodeBatch, {
        train: true,
        rng,
      });
      feats.forEach((f, s) => (channels[s] = f.length / trainIdx.length));
    }
    if (!probes) {
      if (opts.standardize) scalers = feats.map((f, s) => featureScaler(f, channels[s]!));
      const init = new Rng(opts.seed + 1);
      probes = channels.map((C) => new Linear(C, classes, init));
      optimizers = probes.map((p) => new Adam(p.namedParameters(), opts.learningRate));
    }
    if (scalers) feats = feats.map((f, s) => applyScaler(f, scalers![s]!));
    const order = rng.permutation(trainIdx.length);
    const sums = new Array<number>(stages).fill(0);
    let batches = 0;
    for (let start = 0; start < order.length; start += opts.batchSize) {
      const rows = order.subarray(start, Math.min(order.length, start + opts.batchSize));
      const labels = Int32Array.from(rows, (r) => trainLabels[r]!);
      probes.forEach((probe, s) => {
        const x = tf.tensor2d(rowsOf(feats[s]!, channels[s]!, rows), [rows.length, channels[s]!]); // [b, C]
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(probe.forward(x), labels, classes),
          probe.parameters(),
        );
        optimizers[s]!.apply(grads);
        sums[s]! += value.dataSync()[0]!;
        tf.dispose([x, value, ...Object.values(grads)]);
      });
      batches += 1;
    }
    sums.forEach((v, s) => (lastLoss[s] = v / batches));
  }
  const testFeats = encodeImages(model, testSet, pipeline, testIdx, opts.encodeBatch, {
    train: false,
    flip: false,
  });
  const testLabels = Int32Array.from(testIdx, (i) => testSet.label(i));
  const results = testFeats.map((raw, s) => {
    const f = scalers ? applyScaler(raw, scalers[s]!) : raw;
    const C = f.length / testIdx.length;
    const predicted = probes
      ? tf.tidy(
          () =>
            tf
              .argMax(probes![s]!.forward(tf.tensor2d(f, [testIdx.length, C])), 1)
              .dataSync() as Int32Array,
        )
      : new Int32Array(testIdx.length);
    return {
      stage: s + 1,
      channels: C,
      ...scorePredictions(predicted, testLabels, classes),
      trainLoss: lastLoss[s]!,
    };
  });
  probes?.forEach((p) => p.dispose());
  optimizers.forEach((o) => o.dispose());
  return results;
}

/** Per-feature mean and 1/std of an [n, C] matrix (std floored at 1e-6). */
export function featureScaler(
  features: Float32Array,
  channels: number,
): { mean: Float32Array; invStd: Float32Array } {
  const n = features.length / channels;
  const mean = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  for (let ch = 0; ch < channels; ch++) {
    let mu = 0;
    for (let i = 0; i < n; i++) mu += features[i * channels + ch]!;
    mu /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (features[i * channels + ch]! - mu) ** 2;
    mean[ch] = mu;
    invStd[ch] = 1 / Math.max(1e-6, Math.sqrt(v / n));
  }
  return { mean, invStd };
}

/** (x − mean) / std per feature, into a new array. */
export function applyScaler(
  features: Float32Array,
  scaler: { mean: Float32Array; invStd: Float32Array },
): Float32Array {
  const C = scaler.mean.length;
  return features.map((x, i) => (x - scaler.mean[i % C]!) * scaler.invStd[i % C]!);
}

/** Mean cross-entropy of logits [b, classes] against integer labels. */
export function crossEntropy(logits: tf.Tensor, labels: Int32Array, classes: number): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.oneHot(tf.tensor1d(labels, 'int32'), classes); // [b, classes]
    return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
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
