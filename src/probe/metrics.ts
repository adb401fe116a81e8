/**
 * Classification metrics for the linear probes: top-1 accuracy, per-class accuracy and a
 * confusion summary (the most frequent wrong (true → predicted) pairs).
 */
import { ShapeError } from '../errors.js';

export interface ConfusedPair {
  readonly trueClass: number;
  readonly predicted: number;
  /** How many test items of `trueClass` were predicted as `predicted`. */
  readonly count: number;
  /** count / (test items of trueClass). */
  readonly rate: number;
}

export interface ClassificationReport {
  /** Test items scored (unlabelled items excluded). */
  readonly items: number;
  /** Top-1 accuracy in [0, 1], pooled over all items. */
  readonly accuracy: number;
  /** Per-class accuracy (null for a class absent from the test set). */
  readonly perClass: readonly (number | null)[];
  /** Mean of the per-class accuracies over the classes present. */
  readonly balancedAccuracy: number;
  /** Accuracy of always answering the most frequent test class. */
  readonly majorityBaseline: number;
  /** The most frequent confusions, largest first. */
  readonly confusedPairs: readonly ConfusedPair[];
}

/** Scores predictions against labels; labels < 0 are skipped. */
export function classificationReport(
  labels: Int32Array,
  predictions: Int32Array,
  classes: number,
  topPairs = 5,
): ClassificationReport {
  if (labels.length !== predictions.length)
    throw new ShapeError(
      `classificationReport: ${labels.length} labels but ${predictions.length} predictions`,
    );
  const confusion = new Map<number, number>(); // trueClass * classes + predicted → count
  const total = new Float64Array(classes);
  const correct = new Float64Array(classes);
  let items = 0;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0) continue;
    const p = predictions[i]!;
    items++;
    total[y]! += 1;
    if (p === y) {
      hits++;
      correct[y]! += 1;
    } else {
      const key = y * classes + p;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
    }
  }
  const perClass = Array.from(total, (n, c) => (n > 0 ? correct[c]! / n : null));
  const present = perClass.filter((a): a is number => a !== null);
  const confusedPairs = [...confusion.entries()]
    .map(([key, count]) => {
      const trueClass = Math.floor(key / classes);
      return { trueClass, predicted: key % classes, count, rate: count / total[trueClass]! };
    })
    .sort((a, b) => b.count - a.count || a.trueClass - b.trueClass || a.predicted - b.predicted)
    .slice(0, topPairs);
  return {
    items,
    accuracy: items > 0 ? hits / items : 0,
    perClass,
    balancedAccuracy: present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : 0,
    majorityBaseline: items > 0 ? Math.max(...total) / items : 0,
    confusedPairs,
  };
}
