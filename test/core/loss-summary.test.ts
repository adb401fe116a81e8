import { it } from 'node:test';
import assert from 'node:assert/strict';
import { LossRecorder, summarizeLosses } from '../../src/core/loss-summary.js';

it('first and last 10 % of each module’s own steps, at least one step each', () => {
  const twenty = Array.from({ length: 20 }, (_, i) => 20 - i); // 20, 19, …, 1
  const s = summarizeLosses([twenty, [5], []]);
  assert.deepEqual(s.first.slice(0, 2), [19.5, 5]); // mean of 20, 19; the one step
  assert.deepEqual(s.final.slice(0, 2), [1.5, 5]); // mean of 2, 1
  assert.ok(Number.isNaN(s.first[2]!) && Number.isNaN(s.final[2]!), 'never trained: NaN');
});

it('recorder: skips modules a step did not train (sequential schedule)', () => {
  const r = new LossRecorder();
  r.add([3, null]);
  r.add([2, undefined]);
  r.add([null, 7]);
  const s = r.summary(3);
  assert.deepEqual(s.first.slice(0, 2), [3, 7]);
  assert.deepEqual(s.final.slice(0, 2), [2, 7]);
  assert.ok(Number.isNaN(s.first[2]!));
});
