/**
 * Cross-check against torchaudio 0.13 (Debian python3-torchaudio), frozen in
 * torchaudio-mfcc.json by make-torchaudio-fixture.py: same HTK filterbank, periodic Hann,
 * ln(mel + 1e-6), orthonormal DCT-II, replicate-padded deltas, and our encoder-aligned framing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mfcc } from '../../../src/audio/features/mfcc.js';
import { logMelSpectrogram } from '../../../src/audio/features/spectrogram.js';
import { assertAllClose } from '../../helpers/assert-close.js';

interface Fixture {
  frames_total: number;
  frames: number[];
  log_mel: number[][];
  mfcc39: number[][];
}

const fixture = JSON.parse(
  readFileSync(new URL('./torchaudio-mfcc.json', import.meta.url), 'utf8'),
) as Fixture;

/** The fixture's SIGNAL formula, evaluated in float64 and stored as float32 like the fixture. */
function signal(n = 20480): Float32Array {
  return Float32Array.from({ length: n }, (_, t) => {
    const env = 0.6 + 0.3 * Math.sin((2 * Math.PI * t) / 5000);
    return (
      env *
      (Math.sin((2 * Math.PI * 220 * t) / 16000) +
        0.5 * Math.sin((2 * Math.PI * 1375.5 * t) / 16000) +
        0.25 * Math.sin((2 * Math.PI * 3900 * t) / 16000))
    );
  });
}

describe('features vs torchaudio', () => {
  const audio = signal();

  it('log-mel matches torchaudio MelSpectrogram (htk, power 2) + ln(x + 1e-6)', () => {
    const got = logMelSpectrogram(audio);
    assert.equal(got.frames, fixture.frames_total);
    fixture.frames.forEach((f, i) => {
      assertAllClose(
        got.data.subarray(f * 40, (f + 1) * 40),
        fixture.log_mel[i]!,
        { rtol: 1e-5, atol: 1e-4 },
        `frame ${f}`,
      );
    });
  });

  it('MFCC + Δ + ΔΔ match torchaudio MFCC(log_mels) and compute_deltas(win 5)', () => {
    const got = mfcc(audio, { deltas: true });
    assert.equal(got.frames, fixture.frames_total);
    fixture.frames.forEach((f, i) => {
      assertAllClose(
        got.data.subarray(f * 39, (f + 1) * 39),
        fixture.mfcc39[i]!,
        { rtol: 1e-5, atol: 1e-4 },
        `frame ${f}`,
      );
    });
  });
});
