/**
 * Generated training audio that needs no files: harmonic tones with random pitch, vibrato,
 * harmonic amplitudes, amplitude envelope and a little noise. The future of such a signal is
 * predictable from its past, so InfoNCE has something to learn; it stands in until a corpus is
 * given with `--data`. Batch `i` depends only on (seed, i), so a resumed run sees the same data.
 */
import { Rng } from '../../backend/random.js';

export const SAMPLE_RATE = 16000;

/** One batch of tones: Float32Array [B × samples], row-major per item, roughly unit variance. */
export function toneBatch(
  seed: number,
  index: number,
  batch: number,
  samples: number,
): Float32Array {
  const rng = new Rng((seed * 1_000_003 + index * 7919 + 17) >>> 0);
  const out = new Float32Array(batch * samples);
  for (let b = 0; b < batch; b++) {
    const f0 = 80 * 2 ** (rng.uniform() * 2.2); // 80–368 Hz
    const vibratoHz = 2 + 4 * rng.uniform();
    const vibratoDepth = 0.01 + 0.04 * rng.uniform();
    const harmonics = 1 + rng.int(8);
    const amps = Array.from({ length: harmonics }, (_, h) => rng.uniform() / (h + 1));
    const envelopeHz = 0.5 + 3 * rng.uniform();
    const noise = 0.05 * rng.uniform();
    let phase = 0;
    let sumSq = 0;
    const row = out.subarray(b * samples, (b + 1) * samples);
    for (let t = 0; t < samples; t++) {
      const time = t / SAMPLE_RATE;
      const f = f0 * (1 + vibratoDepth * Math.sin(2 * Math.PI * vibratoHz * time));
      phase += (2 * Math.PI * f) / SAMPLE_RATE;
      let v = 0;
      for (let h = 0; h < harmonics; h++) v += amps[h]! * Math.sin((h + 1) * phase);
      v *= 0.6 + 0.4 * Math.sin(2 * Math.PI * envelopeHz * time);
      v += noise * rng.normal();
      row[t] = v;
      sumSq += v * v;
    }
    const scale = 1 / Math.sqrt(sumSq / samples + 1e-12);
    for (let t = 0; t < samples; t++) row[t]! *= scale;
  }
  return out;
}
