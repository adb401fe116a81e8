import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../src/errors.js';
import { mergeChecked, setPath } from '../../../src/core/config/merge.js';
import { resolveAudioConfig } from '../../../src/audio/config.js';
import { resolveVisionConfig } from '../../../src/vision/config.js';

describe('mergeChecked', () => {
  it('treats inherited names (__proto__, constructor, toString) as unknown keys', () => {
    const base = { train: { steps: 1 } };
    for (const text of ['{"__proto__": {}}', '{"constructor": {}}', '{"train": {"toString": 1}}']) {
      assert.throws(
        () => mergeChecked(base, JSON.parse(text), 'preset p.json'),
        (e: unknown) =>
          e instanceof ConfigError && /expected one of the known keys/.test(e.message),
        text,
      );
    }
    assert.throws(
      () => setPath({}, base, 'train.constructor', '1', 'flags'),
      /expected one of the known keys \(steps\), found "constructor"$/,
    );
  });
});

describe('cross-field errors name the layer that set the field', () => {
  it('vision: the preset that set loss.predictionSteps', () => {
    assert.throws(
      () =>
        resolveVisionConfig([
          { source: 'preset a.json', values: { train: { steps: 3 } } },
          { source: 'preset b.json', values: { loss: { predictionSteps: 6 } } },
          { source: 'flags', values: {} },
        ]),
      /config \(preset b\.json\): loss\.predictionSteps: expected at most 5 /,
    );
  });

  it('audio: a field pair ("encoder.strides/paddings") names the layer that set either', () => {
    assert.throws(
      () =>
        resolveAudioConfig([
          { source: 'preset a.json', values: { encoder: { paddings: [1, 1] } } },
          { source: 'flags', values: { train: { steps: 2 } } },
        ]),
      /config \(preset a\.json\): encoder\.strides\/paddings: expected 5 entries each/,
    );
  });

  it('a clash with a default names every layer that set something', () => {
    assert.throws(
      () =>
        resolveAudioConfig([
          { source: 'preset a.json', values: { data: { windowSamples: 1000 } } },
          { source: 'flags', values: { train: { steps: 2 } } },
          { source: 'preset empty.json', values: {} },
        ]),
      /config \(preset a\.json, flags\): loss\.predictionSteps: expected fewer than the 6 steps/,
    );
  });

  it('audio rejects another modality and an infinite lossTarget (JSON 1e999)', () => {
    assert.throws(
      () => resolveAudioConfig([{ source: 'p', values: { modality: 'vision' } }]),
      /p: modality: expected one of "audio"/,
    );
    assert.throws(
      () =>
        resolveAudioConfig([
          { source: 'p', values: JSON.parse('{"train": {"lossTarget": 1e999}}') },
        ]),
      /train\.lossTarget: expected a finite number >= 0/,
    );
  });
});
