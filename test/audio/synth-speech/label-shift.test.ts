/**
 * The real alignment check (research/datasets.md §1.3): a linear phone classifier on log band
 * energies with ±2 frames of context, trained with labels shifted by k frames. With aligned
 * labels, accuracy must peak at k = 0. The slowest test (~50 s: it generates ~1.7 min of audio),
 * run every time: a skipped check is no check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openLibriSpeech,
  type AudioCorpus,
  type Split,
} from '../../../src/audio/data/librispeech.js';
import { softmaxAccuracy, trainSoftmax } from '../../../src/audio/synth-speech/difficulty.js';
import { fft } from '../../../src/audio/features/fft.js';
import { generateSynthSpeech } from '../../../src/audio/synth-speech/generate.js';

const BANDS = 40;
const CONTEXT = 2;

/** Log energies of 40 linear bands of a 512-point FFT centred on each 10 ms frame. */
function bandEnergies(audio: Float32Array, frames: number): Float64Array[] {
  const out: Float64Array[] = [];
  const re = new Float64Array(512);
  const im = new Float64Array(512);
  for (let f = 0; f < frames; f++) {
    const centre = f * 160 + 80;
    for (let i = 0; i < 512; i++) {
      const x = audio[centre - 256 + i] ?? 0;
      re[i] = x * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 512));
      im[i] = 0;
    }
    fft(re, im);
    const bands = new Float64Array(BANDS);
    for (let k = 1; k < 257; k++)
      bands[Math.min(BANDS - 1, Math.floor(((k - 1) * BANDS) / 256))]! += re[k]! ** 2 + im[k]! ** 2;
    out.push(bands.map((v) => Math.log(v + 1e-6)));
  }
  return out;
}

async function frameSet(
  corpus: AudioCorpus,
  split: Split,
  shift: number,
): Promise<{ x: Float64Array[]; y: number[] }> {
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (const id of corpus.ids(split)) {
    const u = await corpus.utterance(id);
    const labels = u.phones!;
    const feats = bandEnergies(u.audio, labels.length);
    // Every 2nd frame keeps the test fast; context frames come from the full sequence.
    for (let f = CONTEXT; f < labels.length - CONTEXT; f += 2) {
      const j = f + shift;
      if (j < 0 || j >= labels.length) continue;
      const v = new Float64Array(BANDS * (2 * CONTEXT + 1));
      for (let c = -CONTEXT; c <= CONTEXT; c++) v.set(feats[f + c]!, (c + CONTEXT) * BANDS);
      x.push(v);
      y.push(labels[j]!);
    }
  }
  return { x, y };
}

describe('synthetic phone labels', () => {
  it('are time-aligned: shifting them by ±60 ms lowers linear phone accuracy', async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'gim-shift-'));
    await generateSynthSpeech({ out, speakers: 4, secondsPerSpeaker: 25, seed: 3 });
    const corpus = await openLibriSpeech(out, { windowSamples: 1600 });
    const acc = new Map<number, number>();
    for (const shift of [-6, 0, 6]) {
      const train = await frameSet(corpus, 'train', shift);
      const test = await frameSet(corpus, 'test', shift);
      const mean = new Float64Array(train.x[0]!.length);
      for (const v of train.x) v.forEach((e, k) => (mean[k]! += e / train.x.length));
      for (const v of [...train.x, ...test.x]) v.forEach((e, k) => (v[k] = (e - mean[k]!) / 3));
      acc.set(
        shift,
        softmaxAccuracy(
          trainSoftmax(train.x, train.y, corpus.phoneClasses, 1e-4, 80),
          test.x,
          test.y,
        ),
      );
    }
    t.diagnostic(`phone accuracy by label shift (frames): ${JSON.stringify([...acc])}`);
    const at = (k: number): number => acc.get(k)!;
    assert.ok(
      at(0) > at(-6) + 0.05 && at(0) > at(6) + 0.05,
      `accuracy by shift: ${JSON.stringify([...acc])}`,
    );
  });
});
