import { it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAudioConfig, DEFAULT_AUDIO_CONFIG } from '../../src/audio/config.js';
import { ConfigError } from '../../src/errors.js';

it('defaults are the reference values and frozen', () => {
  const c = resolveAudioConfig();
  assert.equal(c.loss.predictionSteps, 12);
  assert.equal(c.loss.negativeSamples, 10);
  assert.equal(c.train.learningRate, 2e-4);
  assert.equal(c.train.batchSize, 8);
  assert.equal(c.data.windowSamples, 20480);
  assert.ok(Object.isFrozen(c.encoder));
  assert.throws(() => ((c.train as { steps: number }).steps = 3), TypeError);
  assert.equal(DEFAULT_AUDIO_CONFIG.encoder.layout, 'gim-6');
});

it('later sources override earlier ones', () => {
  const c = resolveAudioConfig([
    { source: 'preset', values: { train: { steps: 10, seed: 4 } } },
    { source: 'flags', values: { train: { steps: 20 } } },
  ]);
  assert.equal(c.train.steps, 20);
  assert.equal(c.train.seed, 4);
});

it('unknown keys, wrong types and bad values name the field, expected and found', () => {
  const cases: [unknown, RegExp][] = [
    [
      { train: { stepz: 1 } },
      /preset: train\.stepz: expected one of the known keys .*found "stepz" \(did you mean "steps"\?\)$/,
    ],
    [{ train: { steps: '10' } }, /preset: train\.steps: expected a number, found "10"/],
    [
      { loss: { sampling: 'random' } },
      /loss\.sampling: expected one of "batch-permutation", "offset", "within-sequence", found "random"/,
    ],
    [{ train: { batchSize: 0 } }, /train\.batchSize: expected a positive integer, found 0/],
    [
      { data: { windowSamples: 20 } },
      /data\.windowSamples: expected a window long enough for the encoder/,
    ],
    [
      { loss: { predictionSteps: 200 } },
      /loss\.predictionSteps: expected fewer than the 128 steps .* found 200/,
    ],
    [{ encoder: { strides: [5, 4] } }, /encoder\.strides\/paddings: expected 5 entries each/],
  ];
  for (const [values, pattern] of cases) {
    assert.throws(
      () => resolveAudioConfig([{ source: 'preset', values }]),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    );
  }
});
