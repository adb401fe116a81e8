import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ENCODER_FRAME0_CENTRE,
  encoderFrameCount,
  hannWindow,
} from '../../../src/audio/features/framing.js';

/** Receptive field of encoder output f, found by walking the conv chain backwards. */
function receptiveField(f: number): [number, number] {
  const convs: Array<[number, number, number]> = [
    [10, 5, 2],
    [8, 4, 2],
    [4, 2, 2],
    [4, 2, 2],
    [4, 2, 1],
  ];
  let lo = f;
  let hi = f;
  for (let i = convs.length - 1; i >= 0; i--) {
    const [k, s, p] = convs[i]!;
    lo = lo * s - p;
    hi = hi * s - p + k - 1;
  }
  return [lo, hi];
}

describe('framing', () => {
  it('gives 128 frames for a 20480-sample window, like the encoder (4095→1023→512→257→128)', () => {
    assert.equal(encoderFrameCount(20480), 128);
    // Zero padding lets short inputs still produce frames: 41 samples give 1, 40 give none.
    assert.equal(encoderFrameCount(41), 1);
    assert.equal(encoderFrameCount(40), 0);
    assert.equal(encoderFrameCount(4000), 25);
  });

  it('centres frame f on the encoder receptive field, which spans 465 samples', () => {
    for (const f of [0, 1, 64, 127]) {
      const [lo, hi] = receptiveField(f);
      assert.equal(hi - lo + 1, 465);
      assert.equal((lo + hi) / 2, 160 * f + ENCODER_FRAME0_CENTRE);
    }
  });

  it('uses a periodic Hann window that peaks at index length/2', () => {
    const w = hannWindow(400);
    assert.equal(w[0], 0);
    assert.equal(w[200], 1);
    assert.ok(Math.abs(w[100]! - 0.5) < 1e-12 && Math.abs(w[300]! - 0.5) < 1e-12);
  });
});
