import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hzToMel, melFilterbank, melToHz } from '../../../src/audio/features/mel.js';
import { logMelSpectrogram } from '../../../src/audio/features/spectrogram.js';

describe('mel scale and filterbank', () => {
  it('uses the HTK formula (1000 Hz ≈ 1000 mel; 8000 Hz ≈ 2840.02 mel) and inverts', () => {
    assert.ok(Math.abs(hzToMel(1000) - 999.9855) < 1e-3, String(hzToMel(1000)));
    assert.ok(Math.abs(hzToMel(8000) - 2840.0229) < 1e-3, String(hzToMel(8000)));
    for (const f of [0, 123.4, 4000, 8000]) assert.ok(Math.abs(melToHz(hzToMel(f)) - f) < 1e-9);
  });

  it('has 40 triangles over 0–8000 Hz on 257 bins, each peaking at 1 near its centre', () => {
    const bank = melFilterbank(40, 512, 16000, 0, 8000);
    assert.equal(bank.weights.length, 40 * 257);
    assert.equal(bank.edgesHz[0], 0);
    assert.ok(Math.abs(bank.edgesHz[41]! - 8000) < 1e-9);
    for (let b = 0; b < 40; b++) {
      const row = bank.weights.subarray(b * 257, (b + 1) * 257);
      const peak = Math.max(...row);
      assert.ok(peak > 0 && peak <= 1, `band ${b} peak ${peak}`);
      const zeros = row.filter((w, k) => w > 0 && (k * 16000) / 512 <= bank.edgesHz[b]!).length;
      assert.equal(zeros, 0, `band ${b} has weight at or below its left edge`);
    }
  });

  for (const band of [5, 20, 33]) {
    it(`puts a pure tone at band ${band}'s centre frequency into band ${band}`, () => {
      const bank = melFilterbank(40, 512, 16000, 0, 8000);
      const hz = bank.edgesHz[band + 1]!;
      const audio = Float32Array.from({ length: 20480 }, (_, t) =>
        Math.sin((2 * Math.PI * hz * t) / 16000),
      );
      const spec = logMelSpectrogram(audio);
      // Frame 64 is well inside the signal (no zero padding in its window).
      const row = Array.from(spec.data.subarray(64 * 40, 65 * 40));
      assert.equal(
        row.indexOf(Math.max(...row)),
        band,
        `tone ${hz.toFixed(1)} Hz: ${row.map((v) => v.toFixed(1))}`,
      );
    });
  }
});
