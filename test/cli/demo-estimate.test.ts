import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DurationTracker,
  plannedTrainingSeconds,
  plannedTrainingSteps,
} from '../../src/cli/commands/demo-estimate.js';
import { resolveAudioConfig } from '../../src/audio/config.js';
import { resolveExperimentSettings } from '../../src/audio/experiment.js';

it('plans each method at its own layout: CPC and supervised at the CPC step, GIM and greedy at the GIM step', () => {
  const model = resolveAudioConfig([{ source: 't', values: { train: { steps: 100 } } }]);
  const settings = resolveExperimentSettings([
    {
      source: 't',
      values: {
        methods: ['random', 'mfcc', 'cpc', 'gim', 'supervised', 'greedy-supervised'],
        supervised: { steps: 10, learningRate: 1e-3 },
      },
    },
  ]);
  assert.equal(plannedTrainingSteps(model, settings), 100 + 100 + 10 + 10);
  // cpc 100 × 0.5 + gim 100 × 2 + supervised 10 × 0.5 + greedy 10 × 2
  assert.equal(plannedTrainingSeconds(model, settings, { gim: 2, cpc: 0.5 }), 50 + 200 + 5 + 20);
});

it('the tracker reports one estimate, after the first method is done', () => {
  const tracker = new DurationTracker(10, 1, 2);
  assert.equal(
    tracker.update({ kind: 'start', method: 'cpc', index: 0, count: 2, seed: 2 } as never),
    null,
  );
  assert.equal(tracker.update({ kind: 'train', method: 'cpc', step: 1, steps: 10, loss: 1 }), null);
  const line = tracker.update({ kind: 'done', row: {} as never });
  assert.match(line ?? '', /^expected ~[\d.]+ min in total/);
  assert.equal(tracker.update({ kind: 'done', row: {} as never }), null);
});
