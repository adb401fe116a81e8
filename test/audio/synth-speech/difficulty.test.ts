import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/backend/random.js';
import { measureSpeakerBaseline } from '../../../src/audio/synth-speech/difficulty.js';
import { writeCorpus } from '../data/temp-corpus.js';

/** Two "speakers" with different spectral shapes (tone + noise), one with the same, noise only. */
function voice(kind: number, rng: Rng): Int16Array {
  const n = 21500;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const tone = kind === 0 ? Math.sin(i * 0.3) : kind === 1 ? Math.sin(i * 1.7) : 0;
    out[i] = Math.round(3000 * tone + 800 * rng.normal());
  }
  return out;
}

describe('speaker-ID difficulty baseline', () => {
  it('separates speakers that differ in spectrum and not ones that do not', async () => {
    const rng = new Rng(4);
    const utts = [];
    const train: string[] = [];
    const test: string[] = [];
    for (const [s, kind] of [
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 2],
    ] as const) {
      for (let u = 0; u < 12; u++) {
        const id = `${s}-1-${u}`;
        utts.push({ id, samples: voice(kind, rng), format: 'wav' as const });
        (u < 10 ? train : test).push(id);
      }
    }
    const root = await writeCorpus(utts, train, test, false);
    const r = await measureSpeakerBaseline(root, {
      trainWindows: 1,
      testWindows: 2,
      l2Grid: [0.01],
      iterations: 100,
    });
    assert.equal(r.speakers, 4);
    assert.equal(r.testExamples, 4 * 2 * 2);
    // Speakers 1 and 2 should always be right (half the test set); 3 and 4 are a coin toss.
    assert.ok(r.accuracy >= 0.5 && r.accuracy <= 0.95, `accuracy ${JSON.stringify(r)}`);
    assert.equal(r.chance, 0.25);
  });
});
