import type { ProbeResult } from '../../src/probe/linear-probe.js';

/** A ProbeResult with the given accuracy (one class, no confusions) for report tests. */
export function fakeProbe(
  accuracy: number,
  { items, standardError, units }: { items: number; standardError: number; units: number },
): ProbeResult {
  return {
    items,
    accuracy,
    standardError,
    standardErrorUnits: units,
    perClass: [accuracy],
    balancedAccuracy: accuracy,
    majorityBaseline: 0.1,
    confusedPairs: [],
    finalTrainLoss: 1,
    trainRows: 10,
  };
}
