import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveVisionRunConfig } from '../../src/cli/commands/train-vision.js';
import { ConfigError } from '../../src/errors.js';

describe('vision CLI config', () => {
  it('preset, then friendly flags, then --set', () => {
    const config = resolveVisionRunConfig({
      preset: 'vision-tiny',
      steps: '5',
      layout: 'cpc',
      'batch-size': '4',
      set: ['probe.epochs=3', 'encoder.widthMultiplier=0.5'],
    });
    assert.equal(config.modality, 'vision');
    assert.equal(config.train.steps, 5);
    assert.equal(config.train.batchSize, 4);
    assert.equal(config.encoder.layout, 'cpc');
    assert.equal(config.probe.epochs, 3);
    assert.equal(config.encoder.widthMultiplier, 0.5);
    assert.deepEqual(config.encoder.planes, [8, 16, 32]);
  });

  it('vision-tiny caches a few hundred images, not the whole training set, with --cache', () => {
    const config = resolveVisionRunConfig({
      preset: 'vision-tiny',
      schedule: 'sequential',
      cache: true,
    });
    assert.equal(config.cache.enabled, true);
    assert.ok(config.cache.images > 0 && config.cache.images <= 1000, `${config.cache.images}`);
  });

  it('rejects audio-only flags and bad values, naming the path', () => {
    assert.throws(
      () => resolveVisionRunConfig({ channels: '32' }),
      (e: unknown) => e instanceof ConfigError && /encoder/.test(e.message),
    );
    assert.throws(
      () => resolveVisionRunConfig({ layout: 'gim-6' }),
      (e: unknown) => e instanceof ConfigError && /encoder\.layout/.test(e.message),
    );
  });
});
