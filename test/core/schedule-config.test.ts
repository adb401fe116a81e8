import { it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCHEDULE, sequentialShortfall } from '../../src/core/schedule-config.js';

it('sequential shortfall: only when a fixed per-module budget leaves modules untrained', () => {
  const seq = { ...DEFAULT_SCHEDULE, schedule: 'sequential' as const, stepsPerModule: 1500 };
  assert.deepEqual(sequentialShortfall({ ...seq, steps: 1500 }, 6), {
    trainedModules: 1,
    stepsNeeded: 9000,
  });
  assert.deepEqual(sequentialShortfall({ ...seq, steps: 1501 }, 6)?.trainedModules, 2);
  assert.equal(sequentialShortfall({ ...seq, steps: 9000 }, 6), null);
  // A loss target may move on early; 0 steps per module divides train.steps evenly.
  assert.equal(sequentialShortfall({ ...seq, steps: 10, lossTarget: 1 }, 6), null);
  assert.equal(sequentialShortfall({ ...seq, steps: 10, stepsPerModule: 0 }, 6), null);
  assert.equal(sequentialShortfall({ ...DEFAULT_SCHEDULE, steps: 10, stepsPerModule: 5 }, 6), null);
});
