/**
 * A linear classifier trained on cached, frozen features (spec §2.7). The features are plain
 * Float32Arrays computed beforehand, outside any gradient closure, so no gradient can reach the
 * encoder: the only variables differentiated are the probe's own weight and bias.
 */
import { tf, type Scalar, type Tensor } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { Adam } from '../nn/adam.js';
import { Linear } from '../nn/linear.js';
import { ShapeError } from '../errors.js';
import { classificationReport, type ClassificationReport } from './metrics.js';

/** Rows of features with one label each (label < 0: ignored in loss and scores). */
export interface FeatureSet {
  /** [rows, dim] row-major. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly dim: number;
  /**
   * Optional grouping: group g is rows groups[g] .. groups[g+1]−1 (e.g. the frames of one
   * utterance). A training step takes `batchSize` whole groups. Without it, every row is a group.
   */
  readonly groups?: Int32Array;
}

export interface ProbeOptions {
  readonly classes: number;
  readonly learningRate: number;
  readonly epochs: number;
  /** Groups (rows, or utterances when grouped) per Adam step. */
  readonly batchSize: number;
  readonly seed: number;
  /** 'torch' (PyTorch Linear default; speaker probe) or 'xavier-normal' (phone probe). */
  readonly init: 'torch' | 'xavier-normal';
  /**
   * Z-score every feature with the mean and std of the first training draw before training
   * (default false, as the reference). An affine map of the input does not change what a linear
   * probe can represent, only how fast Adam gets there: with short probe budgets it keeps
   * encoders whose features are tiny (e.g. a random init) from being judged on step size.
   */
  readonly standardize?: boolean;
  /** Print nothing; called after every epoch with the mean training loss. */
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

export interface ProbeResult extends ClassificationReport {
  /** Mean training loss of the last epoch. */
  readonly finalTrainLoss: number;
  readonly trainRows: number;
}

/**
 * Trains Linear(dim → classes) with Adam and softmax cross-entropy, then scores `test`.
 * `train` may hold several draws of the training data (e.g. a fresh random window per utterance
 * for each draw): epoch e uses draw e mod train.length.
 */
export function trainLinearProbe(
  trainSets: readonly FeatureSet[],
  testSet: FeatureSet,
  options: ProbeOptions,
): ProbeResult {
  const dim = testSet.dim;
  for (const set of [...trainSets, testSet]) checkSet(set, dim);
  const scale = options.standardize && trainSets.length > 0 ? featureStats(trainSets[0]!) : null;
  const train = scale ? trainSets.map((set) => standardized(set, scale)) : trainSets;
  const test = scale ? standardized(testSet, scale) : testSet;
  const rng = new Rng(options.seed);
  // Built inside tidy so the initial-value tensors behind the variables are freed.
  let linear!: Linear;
  let adam!: Adam;
  tf.tidy(() => {
    linear = new Linear(dim, options.classes, rng, { init: options.init });
    adam = new Adam(linear.namedParameters(), options.learningRate);
  });
  let epochLoss = Number.NaN;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const set = train[epoch % train.length]!;
      const order = rng.shuffle(Array.from({ length: groupCount(set) }, (_, g) => g));
      let lossSum = 0;
      let steps = 0;
      for (let b = 0; b < order.length; b += options.batchSize) {
        const rows = gatherGroups(set, order.slice(b, b + options.batchSize));
        if (rows.y.length === 0) continue;
        lossSum += step(linear, adam, rows, dim, options.classes);
        steps++;
      }
      epochLoss = lossSum / Math.max(1, steps);
      options.onEpoch?.(epoch + 1, epochLoss);
    }
    const predictions = predict(linear, test, dim);
    return {
      ...classificationReport(test.y, predictions, options.classes),
      finalTrainLoss: epochLoss,
      trainRows: train[0]?.y.length ?? 0,
    };
  } finally {
    linear.dispose();
    adam.dispose();
  }
}

function step(
  linear: Linear,
  adam: Adam,
  rows: { x: Float32Array; y: Int32Array },
  dim: number,
  classes: number,
): number {
  const n = rows.y.length;
  const x = tf.tensor2d(rows.x, [n, dim]); // [N, dim]
  const y = tf.tensor1d(rows.y, 'int32'); // [N]
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(linear.forward(x), y, classes),
    linear.parameters(),
  );
  adam.apply(grads);
  const loss = value.dataSync()[0]!;
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return loss;
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels [N]. */
export function crossEntropy(logits: Tensor, labels: Tensor, classes: number): Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, classes).toFloat(); // [N, K]
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1))) as Scalar;
  });
}

function predict(linear: Linear, set: FeatureSet, dim: number, chunk = 4096): Int32Array {
  const out = new Int32Array(set.y.length);
  for (let r = 0; r < set.y.length; r += chunk) {
    const n = Math.min(chunk, set.y.length - r);
    const argmax = tf.tidy(() =>
      tf.argMax(linear.forward(tf.tensor2d(set.x.subarray(r * dim, (r + n) * dim), [n, dim])), -1),
    );
    out.set(argmax.dataSync() as Int32Array, r);
    argmax.dispose();
  }
  return out;
}

/** Per-feature mean and std (std 1 where a feature is constant). */
export function featureStats(set: FeatureSet): { mean: Float64Array; std: Float64Array } {
  const { dim, x } = set;
  const rows = x.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < dim; d++) {
      const v = x[r * dim + d]!;
      mean[d]! += v;
      sq[d]! += v * v;
    }
  }
  const std = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d]! /= Math.max(1, rows);
    const variance = sq[d]! / Math.max(1, rows) - mean[d]! ** 2;
    std[d] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

function standardized(
  set: FeatureSet,
  { mean, std }: { mean: Float64Array; std: Float64Array },
): FeatureSet {
  const x = new Float32Array(set.x.length);
  for (let i = 0; i < x.length; i++) {
    const d = i % set.dim;
    x[i] = (set.x[i]! - mean[d]!) / std[d]!;
  }
  return { ...set, x };
}

function groupCount(set: FeatureSet): number {
  return set.groups ? set.groups.length - 1 : set.y.length;
}

/** Rows of the given groups, labelled rows only. */
function gatherGroups(
  set: FeatureSet,
  groups: readonly number[],
): { x: Float32Array; y: Int32Array } {
  const ranges = groups.map(
    (g) => (set.groups ? [set.groups[g]!, set.groups[g + 1]!] : [g, g + 1]) as [number, number],
  );
  let n = 0;
  for (const [a, b] of ranges) for (let r = a; r < b; r++) if (set.y[r]! >= 0) n++;
  const x = new Float32Array(n * set.dim);
  const y = new Int32Array(n);
  let i = 0;
  for (const [a, b] of ranges) {
    for (let r = a; r < b; r++) {
      if (set.y[r]! < 0) continue;
      x.set(set.x.subarray(r * set.dim, (r + 1) * set.dim), i * set.dim);
      y[i++] = set.y[r]!;
    }
  }
  return { x, y };
}

function checkSet(set: FeatureSet, dim: number): void {
  if (set.dim !== dim)
    throw new ShapeError(`linear probe: feature sets of different widths (${set.dim} and ${dim})`);
  if (set.x.length !== set.y.length * dim)
    throw new ShapeError(`linear probe: ${set.x.length} values for ${set.y.length} rows of ${dim}`);
  if (set.groups && set.groups[set.groups.length - 1] !== set.y.length)
    throw new ShapeError('linear probe: groups do not cover the rows');
}
