/**
 * A linear classifier trained on cached, frozen features (spec §2.7). The features are plain
 * Float32Arrays computed beforehand, outside any gradient closure, so no gradient can reach the
 * encoder: the only variables differentiated are the probe's own weight and bias.
 */
import { tf } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { softmaxCrossEntropy } from '../losses/cross-entropy.js';
import { Adam } from '../nn/adam.js';
import { Linear } from '../nn/linear.js';
import { ShapeError } from '../errors.js';
import { classificationReport, type ClassificationReport } from './metrics.js';
import { featureScale, standardized, type FeatureScale } from './standardize.js';

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
  const scale =
    options.standardize && trainSets.length > 0 ? featureScale(trainSets[0]!.x, dim) : null;
  const train = scale ? trainSets.map((set) => standardizedSet(set, scale)) : trainSets;
  const test = scale ? standardizedSet(testSet, scale) : testSet;
  const rng = new Rng(options.seed);
  const probe = new LinearProbe(dim, options.classes, rng, options);
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
        lossSum += probe.step(rows.x, rows.y);
        steps++;
      }
      epochLoss = lossSum / Math.max(1, steps);
      options.onEpoch?.(epoch + 1, epochLoss);
    }
    return {
      ...classificationReport(test.y, probe.predict(test.x), options.classes, 5, test.groups),
      finalTrainLoss: epochLoss,
      trainRows: train[0]?.y.length ?? 0,
    };
  } finally {
    probe.dispose();
  }
}

/**
 * One Linear(dim → classes) and its Adam: the step and the prediction every linear probe of the
 * project uses. Callers own the data order (audio draws groups, vision trains one probe per
 * module on shared image views), so this holds no data of its own.
 */
export class LinearProbe {
  private readonly linear: Linear;
  private readonly adam: Adam;

  constructor(
    readonly dim: number,
    readonly classes: number,
    rng: Rng,
    { learningRate, init = 'torch' }: { learningRate: number; init?: 'torch' | 'xavier-normal' },
  ) {
    // Built inside tidy so the initial-value tensors behind the variables are freed.
    let linear!: Linear;
    let adam!: Adam;
    tf.tidy(() => {
      linear = new Linear(dim, classes, rng, { init });
      adam = new Adam(linear.namedParameters(), learningRate);
    });
    this.linear = linear;
    this.adam = adam;
  }

  /** One Adam step on mean cross-entropy of rows x [n, dim] against labels y; returns the loss. */
  step(x: Float32Array, y: Int32Array): number {
    const input = tf.tensor2d(x, [y.length, this.dim]); // [n, dim]
    const { value, grads } = tf.variableGrads(
      () => softmaxCrossEntropy(this.linear.forward(input), y, this.classes),
      this.linear.parameters(),
    );
    this.adam.apply(grads);
    const loss = value.dataSync()[0]!;
    tf.dispose([input, value, ...Object.values(grads)]);
    return loss;
  }

  /** Arg-max class of each row of x [n, dim], `chunk` rows per forward pass. */
  predict(x: Float32Array, chunk = 4096): Int32Array {
    const rows = x.length / this.dim;
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r += chunk) {
      const n = Math.min(chunk, rows - r);
      const argmax = tf.tidy(() => {
        const input = tf.tensor2d(x.subarray(r * this.dim, (r + n) * this.dim), [n, this.dim]); // [n, dim]
        return tf.argMax(this.linear.forward(input), -1); // [n]
      });
      out.set(argmax.dataSync() as Int32Array, r);
      argmax.dispose();
    }
    return out;
  }

  dispose(): void {
    this.linear.dispose();
    this.adam.dispose();
  }
}

function standardizedSet(set: FeatureSet, scale: FeatureScale): FeatureSet {
  return { ...set, x: standardized(set.x, scale) };
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
