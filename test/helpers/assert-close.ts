/** Explicit-tolerance numeric comparison (like numpy.allclose, but reporting the worst element). */
import assert from 'node:assert/strict';

export interface Tolerance {
  readonly rtol?: number;
  readonly atol?: number;
}

export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6 }: Tolerance = {},
  label = 'values',
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${label}: length ${actual.length} != ${expected.length}`,
  );
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) !== Number.isNaN(e)) assert.fail(`${label}[${i}]: ${a} vs ${e}`);
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    assert.fail(
      `${label}[${worst}]: ${actual[worst]} vs expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Max |a-e| / max(|e|) over the arrays: a scale-aware relative error for whole tensors. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < actual.length; i++) {
    num = Math.max(num, Math.abs(actual[i]! - expected[i]!));
    den = Math.max(den, Math.abs(expected[i]!));
  }
  return den === 0 ? num : num / den;
}
