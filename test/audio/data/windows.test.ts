import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/backend/random.js';
import { ConfigError } from '../../../src/errors.js';
import {
  checkWindowSamples,
  drawWindowStart,
  windowLabels,
  windowStartCount,
} from '../../../src/audio/data/windows.js';

describe('window sampling', () => {
  it('counts starts 160, 320, … strictly below floor-to-frame(len) − window', () => {
    // 20480 + 320 samples: only start 160 fits (320 would end exactly at the rounded length).
    assert.equal(windowStartCount(20480 + 320, 20480), 1);
    assert.equal(windowStartCount(20480 + 320 + 159, 20480), 1); // the extra 159 samples are cut
    assert.equal(windowStartCount(20480 + 480, 20480), 2);
    assert.equal(windowStartCount(20480 + 160, 20480), 0);
    assert.equal(windowStartCount(100, 20480), 0);
  });

  it('draws every admissible start and nothing else', () => {
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(drawWindowStart(1600 + 5 * 160 + 10, 1600, rng));
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [160, 320, 480, 640],
    );
    assert.throws(() => drawWindowStart(1600, 1600, rng), RangeError);
  });

  it('maps encoder frame f to label start/160 + f, −1 past the labels', () => {
    const labels = Uint8Array.from([0, 1, 2, 3, 4, 5]);
    const out = new Int32Array(8).fill(99);
    windowLabels(labels, 320, 4, out, 2);
    assert.deepEqual([...out], [99, 99, 2, 3, 4, 5, 99, 99]);
    windowLabels(labels, 640, 4, out, 0);
    assert.deepEqual([...out.subarray(0, 4)], [4, 5, -1, -1]);
  });

  it('insists on a window that is a positive multiple of 160', () => {
    assert.throws(() => checkWindowSamples(20400 + 1), ConfigError);
    assert.throws(() => checkWindowSamples(0), ConfigError);
    checkWindowSamples(20480);
  });
});
