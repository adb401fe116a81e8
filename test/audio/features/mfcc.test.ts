import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/backend/random.js';
import { ConfigError, ShapeError } from '../../../src/errors.js';
import { deltas, mfcc, utteranceFeatureMean } from '../../../src/audio/features/mfcc.js';
import { logMelSpectrogram } from '../../../src/audio/features/spectrogram.js';
import { assertAllClose } from '../../helpers/assert-close.js';
import { REF_DEFAULTS, refLogMel, refMfcc } from './reference.js';

/** A speech-like test signal: two gliding harmonics, an amplitude envelope and a little noise. */
function synthetic(samples: number, seed = 5): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(samples);
  let phase1 = 0;
  let phase2 = 0;
  for (let t = 0; t < samples; t++) {
    const f0 = 120 + 80 * Math.sin((2 * Math.PI * t) / 9000);
    phase1 += (2 * Math.PI * f0) / 16000;
    phase2 += (2 * Math.PI * 7.3 * f0) / 16000;
    const env = 0.3 + 0.25 * Math.sin((2 * Math.PI * t) / 3100);
    out[t] = env * (Math.sin(phase1) + 0.4 * Math.sin(phase2)) + 0.01 * rng.normal();
  }
  return out;
}

describe('logMelSpectrogram and mfcc', () => {
  const audio = synthetic(4000); // 25 frames: enough for edges and deltas, fast with a naive DFT
  const opts = { ...REF_DEFAULTS, frames: 25 };
  // The naive reference is slow; compute it once for the three comparisons below.
  let refRows: { logMel: number[][]; ceps: number[][]; full: number[][] } | undefined;
  const ref = (): NonNullable<typeof refRows> => {
    refRows ??= { logMel: refLogMel(audio, opts), ceps: [], full: [] };
    if (refRows.ceps.length === 0) {
      refRows.ceps = refMfcc(audio, opts, false);
      refRows.full = refMfcc(audio, opts, true);
    }
    return refRows;
  };

  it('has the encoder frame count: 128 × 40 for a 20480-sample window', () => {
    const spec = logMelSpectrogram(new Float32Array(20480));
    assert.equal(spec.frames, 128);
    assert.equal(spec.dim, 40);
    assert.equal(spec.data.length, 128 * 40);
    assert.equal(mfcc(new Float32Array(20480), { deltas: true }).dim, 39);
    // Silence: every band is ln(1e-6).
    assert.ok(spec.data.every((v) => Math.abs(v - Math.log(1e-6)) < 1e-5));
  });

  it('log-mel matches the naive reference to 1e-4', () => {
    const got = logMelSpectrogram(audio);
    assert.equal(got.frames, 25);
    assertAllClose(got.data, ref().logMel.flat(), { rtol: 1e-5, atol: 1e-4 });
  });

  it('13 MFCCs match the naive reference to 1e-4', () => {
    const got = mfcc(audio);
    assert.equal(got.dim, 13);
    assertAllClose(got.data, ref().ceps.flat(), { rtol: 1e-5, atol: 1e-4 });
  });

  it('39-d MFCC + Δ + ΔΔ match the naive reference to 1e-4', () => {
    const got = mfcc(audio, { deltas: true });
    assert.equal(got.dim, 39);
    assertAllClose(got.data, ref().full.flat(), { rtol: 1e-5, atol: 1e-4 });
  });

  it('matches the reference on a full 20480-sample window, frames 0, 1, 64, 126, 127', () => {
    const full = synthetic(20480, 9);
    const got = mfcc(full);
    const frames = [0, 1, 64, 126, 127];
    const want = refMfcc(full, { ...REF_DEFAULTS, frames: 128 }, false, frames);
    frames.forEach((f, i) => {
      assertAllClose(
        got.data.subarray(f * 13, (f + 1) * 13),
        want[i]!,
        { rtol: 1e-5, atol: 1e-4 },
        `frame ${f}`,
      );
    });
  });

  it('deltas of a linear ramp are its slope, including at the clamped edges', () => {
    const frames = 10;
    const data = Float32Array.from({ length: frames }, (_, t) => 3 * t);
    const d = deltas({ frames, dim: 1, data });
    assertAllClose(d.data.subarray(2, 8), new Array(6).fill(3), { rtol: 0, atol: 1e-6 });
    // Edge: frame 0 sees x(-1) = x(-2) = x(0): (1·3 + 2·6) / 10 = 1.5.
    assert.ok(Math.abs(d.data[0]! - 1.5) < 1e-6, String(d.data[0]));
  });

  it('utteranceFeatureMean averages over time', () => {
    const mean = utteranceFeatureMean({
      frames: 3,
      dim: 2,
      data: Float32Array.from([1, 10, 2, 20, 6, 60]),
    });
    assertAllClose(mean, [3, 30], { rtol: 0, atol: 1e-6 });
    assert.throws(
      () => utteranceFeatureMean({ frames: 0, dim: 2, data: new Float32Array(0) }),
      ShapeError,
    );
    assert.throws(
      () => utteranceFeatureMean({ frames: 2, dim: 2, data: new Float32Array(3) }),
      ShapeError,
    );
  });

  it('rejects bad options and too-short audio with typed errors', () => {
    assert.throws(() => logMelSpectrogram(audio, { fftSize: 300 }), ConfigError);
    assert.throws(() => logMelSpectrogram(audio, { fftSize: 256 }), ConfigError); // < window 400
    assert.throws(() => logMelSpectrogram(audio, { fMaxHz: 9000 }), ConfigError);
    assert.throws(() => mfcc(audio, { coefficients: 41 }), ConfigError);
    assert.throws(() => logMelSpectrogram(new Float32Array(40)), ShapeError); // the encoder gives 0 frames
  });
});
