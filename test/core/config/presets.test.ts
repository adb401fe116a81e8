import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataError } from '../../../src/errors.js';
import {
  loadPreset,
  parsePresetJson,
  presetModality,
  presetNames,
} from '../../../src/core/config/presets.js';
import { jsonErrorOffset, lineColumn } from '../../../src/core/config/json-position.js';
import { DEFAULT_AUDIO_CONFIG } from '../../../src/audio/config.js';
import { DEFAULT_VISION_CONFIG } from '../../../src/vision/config.js';

const DEFAULTS = { audio: DEFAULT_AUDIO_CONFIG, vision: DEFAULT_VISION_CONFIG };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parsePresetJson', () => {
  const bad = (text: string | Uint8Array, pattern: RegExp): void =>
    assert.throws(
      () => parsePresetJson(typeof text === 'string' ? bytes(text) : text, 'preset p.json'),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
    );

  it('names the line and column of a JSON error, with what was there', () => {
    bad(
      '{\n  "a": 1,\n  "b": tru }',
      /preset p\.json: line 3 column 11: expected valid JSON \(unexpected character " "\), found " }"$/,
    );
    bad(
      '{"a": 1,}',
      /line 1 column 9: expected valid JSON \(Expected double-quoted property name\), found "}"/,
    );
    bad('{"a": [1, 2', /line 1 column 12: .*found nothing$/);
    bad(
      '',
      /line 1 column 1: expected valid JSON \(Unexpected end of JSON input\), found nothing$/,
    );
  });

  it('rejects invalid UTF-8 instead of replacing it, naming the byte', () => {
    bad(
      Uint8Array.from([...bytes('{"dir": "a'), 0xff, ...bytes('"}')]),
      /preset p\.json: byte 10: expected UTF-8 text .*found "byte 0xff"/,
    );
    // A truncated multi-byte character (é is c3 a9).
    bad(Uint8Array.from([...bytes('{"dir": "'), 0xc3, ...bytes('"}')]), /byte 9: /);
    assert.deepEqual(parsePresetJson(bytes('{"dir": "é"}'), 'p'), { dir: 'é' });
  });
});

describe('jsonErrorOffset', () => {
  it('finds the first offending character of texts JSON.parse rejects', () => {
    for (const [text, offset] of [
      ['{"a":1}x', 7],
      ['{"a":01}', 6],
      ['[1,,2]', 3],
      ['{"a":"\u0001"}', 6],
      ['{"a":-}', 6],
      ['{"a":1.e3}', 7],
      ['{"a":"\\x"}', 7],
      ['{"a" 1}', 5],
      ['nul', 3],
    ] as const) {
      assert.throws(() => JSON.parse(text)); // the cases really are invalid
      assert.equal(jsonErrorOffset(text), offset, text);
    }
    assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
  });
});

describe('loadPreset', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gim-presets-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every shipped preset', () => {
    assert.ok(presetNames().includes('vision-paper'));
    for (const name of [...presetNames(), ...presetNames('settings')]) {
      const layer = loadPreset(name);
      assert.match(layer.source, new RegExp(`configs/${name}\\.json$`));
      assert.equal(typeof layer.values, 'object');
    }
  });

  it('names the file in a ConfigError for bad JSON and a DataError for a missing file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "train": { "steps": 10, } }');
    assert.throws(
      () => loadPreset(file),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`preset ${file}: line 1 column 27: expected valid JSON`),
    );
    assert.throws(() => loadPreset(join(dir, 'none.json')), DataError);
    assert.throws(() => loadPreset('no-such-preset'), /--preset: expected one of .*vision-paper/);
  });

  it('offers model presets for --preset and settings presets for --settings', () => {
    const model = presetNames();
    const settings = presetNames('settings');
    assert.ok(model.includes('tiny') && model.includes('vision-tiny'));
    for (const name of ['experiment-demo', 'experiment-demo-tiny', 'probe-demo']) {
      assert.ok(!model.includes(name), `${name} is not a model preset`);
      assert.ok(settings.includes(name), `${name} is a settings preset`);
    }
    assert.throws(
      () => loadPreset('nope'),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message ===
          `config: --preset: expected one of ${model.join(', ')} or a path to a .json file, found "nope"`,
    );
    assert.throws(
      () => loadPreset('nope', 'settings'),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.includes(`--settings: expected one of ${settings.join(', ')} or a path`),
    );
  });
});

describe('presetModality', () => {
  const layer = (values: unknown) => ({ source: 'preset p.json', values });

  it('tells every shipped preset apart (vision presets say so; audio ones fit only audio)', () => {
    for (const name of ['audio-paper', 'demo', 'tiny'])
      assert.equal(presetModality(loadPreset(name), DEFAULTS, 'audio'), 'audio', name);
    for (const name of ['vision-paper', 'vision-tiny', 'vision-experiment'])
      assert.equal(presetModality(loadPreset(name), DEFAULTS, 'audio'), 'vision', name);
  });

  it('infers the modality from keys only one modality has', () => {
    assert.equal(
      presetModality(layer({ encoder: { block: 'basic' } }), DEFAULTS, 'audio'),
      'vision',
    );
    assert.equal(presetModality(layer({ probe: { epochs: 3 } }), DEFAULTS, 'audio'), 'vision');
    assert.equal(presetModality(layer({ encoder: { gruHidden: 8 } }), DEFAULTS, 'vision'), 'audio');
    // Keys both have, or keys neither has: the fallback (resolving then reports unknown keys).
    assert.equal(presetModality(layer({ train: { steps: 3 } }), DEFAULTS, 'audio'), 'audio');
    assert.equal(presetModality(layer({ train: { steps: 3 } }), DEFAULTS, 'vision'), 'vision');
    assert.equal(presetModality(layer({ nonsense: 1 }), DEFAULTS, 'vision'), 'vision');
  });

  it('rejects an unknown modality value and a non-object preset', () => {
    assert.throws(
      () => presetModality(layer({ modality: 'video' }), DEFAULTS, 'audio'),
      /preset p\.json: modality: expected one of "audio", "vision", found "video"/,
    );
    assert.throws(
      () => presetModality(layer([1]), DEFAULTS, 'audio'),
      /\(root\): expected an object/,
    );
  });
});
