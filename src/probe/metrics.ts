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
  /**
   * Standard error of `accuracy`. With test groups (e.g. the frames or windows of one utterance,
   * which are not independent draws) it is the cluster-robust SE over groups; without, each item
   * is its own group and it is the binomial SE (times √(n/(n−1))).
   */
  readonly standardError: number;
  /** Independent units behind `standardError`: groups when grouped, else items. */
  readonly standardErrorUnits: number;
  /** Per-class accuracy (null for a class absent from the test set). */
  readonly perClass: readonly (number | null)[];
  /** Mean of the per-class accuracies over the classes present. */
  readonly balancedAccuracy: number;
  /** Accuracy of always answering the most frequent test class. */
  readonly majorityBaseline: number;
  /** The most frequent confusions, largest first. */
  readonly confusedPairs: readonly ConfusedPair[];
}

/**
 * Scores predictions against labels; labels < 0 are skipped. `groups` (optional): group g is
 * items groups[g] .. groups[g+1]−1 (the FeatureSet convention), used only for the standard error.
 */
export function classificationReport(
  labels: Int32Array,
  predictions: Int32Array,
  classes: number,
  topPairs = 5,
  groups?: Int32Array,
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
  const accuracy = items > 0 ? hits / items : 0;
  const se = clusteredStandardError(labels, predictions, accuracy, groups);
  return {
    items,
    accuracy,
    standardError: se.standardError,
    standardErrorUnits: se.units,
    perClass,
    balancedAccuracy: present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : 0,
    majorityBaseline: items > 0 ? Math.max(...total) / items : 0,
    confusedPairs,
  };
}

/**
 * Cluster-robust (linearised ratio-estimator) standard error of a pooled accuracy p = Σh_g / Σn_g:
 * SE² = G/(G−1) · Σ_g (h_g − p·n_g)² / (Σn_g)², over the G groups that hold a labelled item.
 * With one item per group this is the binomial √(p(1−p)/n) times √(n/(n−1)). Deterministic, so
 * a re-run of the same probe reports the same SE.
 */
export function clusteredStandardError(
  labels: Int32Array,
  predictions: Int32Array,
  accuracy: number,
  groups?: Int32Array,
): { standardError: number; units: number } {
  const bounds = groups ?? null;
  const groupCount = bounds ? bounds.length - 1 : labels.length;
  if (bounds && (bounds[0] !== 0 || bounds[groupCount] !== labels.length))
    throw new ShapeError(
      `classificationReport: groups must run from 0 to ${labels.length}, got ${bounds[0]}..${bounds[groupCount]}`,
    );
  let units = 0;
  let total = 0;
  let sumSq = 0;
  for (let g = 0; g < groupCount; g++) {
    const start = bounds ? bounds[g]! : g;
    const end = bounds ? bounds[g + 1]! : g + 1;
    let n = 0;
    let h = 0;
    for (let i = start; i < end; i++) {
      if (labels[i]! < 0) continue;
      n++;
      if (predictions[i] === labels[i]) h++;
    }
    if (n === 0) continue;
    units++;
    total += n;
    sumSq += (h - accuracy * n) ** 2;
  }
  if (units < 2) return { standardError: Number.NaN, units };
  return { standardError: Math.sqrt((units / (units - 1)) * sumSq) / total, units };
}
