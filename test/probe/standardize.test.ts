import { it } from 'node:test';
import assert from 'node:assert/strict';
import { featureScale, standardized } from '../../src/probe/standardize.js';
import { assertAllClose } from '../helpers/assert-close.js';

it('maps every training feature to mean 0, std 1; a constant feature to 0', () => {
  const x = Float32Array.from([1, 10, 7, 3, 20, 7, 5, 30, 7]); // 3 rows × 3 features
  const scale = featureScale(x, 3);
  assertAllClose(Array.from(scale.mean), [3, 20, 7]);
  assertAllClose(Array.from(scale.std), [Math.sqrt(8 / 3), Math.sqrt(200 / 3), 1]);
  const z = standardized(x, scale);
  assert.ok(z instanceof Float32Array);
  const column = (d: number): number[] => [z[d]!, z[3 + d]!, z[6 + d]!];
  for (const d of [0, 1]) {
    assertAllClose([column(d).reduce((a, b) => a + b, 0)], [0], { atol: 1e-6 });
    assertAllClose([column(d).reduce((a, b) => a + b * b, 0) / 3], [1], { rtol: 1e-6 });
  }
  assert.deepEqual(column(2), [0, 0, 0]);
});

it('applies the training map to other rows, in place into a Float64Array when asked', () => {
  const scale = featureScale([0, 2], 1); // mean 1, std 1
  const test = Float64Array.from([3, -1]);
  const out = standardized(test, scale, test);
  assert.equal(out, test);
  assert.deepEqual(Array.from(test), [2, -2]);
});
