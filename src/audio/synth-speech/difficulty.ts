/**
 * The speaker-ID difficulty baseline for a corpus: a linear softmax classifier on the mean log
 * power spectrum of a 1.28 s window, trained on train-split windows and tested on test-split
 * windows (research/datasets.md §1.5). If this simple model already identifies speakers, the
 * corpus cannot tell a learned encoder apart from a spectrum.
 */
import { Rng } from '../../backend/random.js';
import { adamStepInPlace } from '../../nn/adam.js';
import { featureScale, standardized } from '../../probe/standardize.js';
import { fft } from '../features/fft.js';
import { openLibriSpeech, type AudioCorpus, type Split } from '../data/librispeech.js';

export interface BaselineOptions {
  seed?: number;
  /** Random windows drawn per training utterance (one per epoch pass). Default 8. */
  trainWindows?: number;
  /** Random windows per test utterance. Default 4. */
  testWindows?: number;
  /** L2 penalties tried; the best *test* accuracy is reported, which flatters the baseline. */
  l2Grid?: readonly number[];
  iterations?: number;
}

export interface BaselineResult {
  speakers: number;
  trainExamples: number;
  testExamples: number;
  /** Test accuracy for each L2 value of the grid. */
  accuracyByL2: { l2: number; trainAccuracy: number; testAccuracy: number }[];
  /** The highest test accuracy over the grid. */
  accuracy: number;
  chance: number;
}

const FFT_SIZE = 512;
const HOP = 256;
const BINS = FFT_SIZE / 2 + 1;
const LEARNING_RATE = 0.01;

export async function measureSpeakerBaseline(
  root: string,
  options: BaselineOptions = {},
): Promise<BaselineResult> {
  const {
    seed = 1,
    trainWindows = 8,
    testWindows = 4,
    l2Grid = [1e-4, 1e-3, 1e-2],
    iterations = 400,
  } = options;
  const corpus = await openLibriSpeech(root, { onProblem: 'skip' });
  const rng = new Rng(seed);
  const train = await features(corpus, 'train', trainWindows, rng);
  const test = await features(corpus, 'test', testWindows, rng);
  // Training statistics for both sets, in place: the float64 trainer below keeps float64 inputs.
  const scale = featureScale(concatRows(train.x), BINS);
  for (const v of [...train.x, ...test.x]) standardized(v, scale, v);
  const classes = corpus.speakers.length;
  const accuracyByL2 = l2Grid.map((l2) => {
    const model = trainSoftmax(train.x, train.y, classes, l2, iterations);
    return {
      l2,
      trainAccuracy: softmaxAccuracy(model, train.x, train.y),
      testAccuracy: softmaxAccuracy(model, test.x, test.y),
    };
  });
  return {
    speakers: classes,
    trainExamples: train.y.length,
    testExamples: test.y.length,
    accuracyByL2,
    accuracy: Math.max(...accuracyByL2.map((a) => a.testAccuracy)),
    chance: 1 / classes,
  };
}

async function features(
  corpus: AudioCorpus,
  split: Split,
  passes: number,
  rng: Rng,
): Promise<{ x: Float64Array[]; y: number[] }> {
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let p = 0; p < passes; p++) {
    for await (const batch of corpus.epoch(split, 1, rng, { shuffle: false })) {
      x.push(meanLogSpectrum(batch.audio));
      y.push(batch.speaker[0]!);
    }
  }
  return { x, y };
}

/** Mean over Hann-windowed 512-sample frames (hop 256) of log power per FFT bin. */
export function meanLogSpectrum(audio: Float32Array): Float64Array {
  const out = new Float64Array(BINS);
  const re = new Float64Array(FFT_SIZE);
  const im = new Float64Array(FFT_SIZE);
  let frames = 0;
  for (let start = 0; start + FFT_SIZE <= audio.length; start += HOP) {
    for (let i = 0; i < FFT_SIZE; i++) {
      re[i] = audio[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FFT_SIZE));
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 0; k < BINS; k++) out[k]! += Math.log(re[k]! * re[k]! + im[k]! * im[k]! + 1e-10);
    frames++;
  }
  for (let k = 0; k < BINS; k++) out[k]! /= Math.max(1, frames);
  return out;
}

function concatRows(rows: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(rows.length * BINS);
  rows.forEach((v, i) => out.set(v, i * BINS));
  return out;
}

export interface Softmax {
  w: Float64Array; // [D, C]
  b: Float64Array; // [C]
  classes: number;
}

function logits(m: Softmax, x: Float64Array, out: Float64Array): void {
  for (let c = 0; c < m.classes; c++) out[c] = m.b[c]!;
  for (let k = 0; k < x.length; k++) {
    const xk = x[k]!;
    for (let c = 0; c < m.classes; c++) out[c]! += xk * m.w[k * m.classes + c]!;
  }
}

/** Full-batch Adam on mean cross-entropy + l2 · |W|². */
export function trainSoftmax(
  x: Float64Array[],
  y: number[],
  classes: number,
  l2: number,
  iterations: number,
): Softmax {
  const d = x[0]!.length;
  const m: Softmax = { w: new Float64Array(d * classes), b: new Float64Array(classes), classes };
  const params = [m.w, m.b];
  const moments = params.map(
    (p) => [new Float64Array(p.length), new Float64Array(p.length)] as const,
  );
  const z = new Float64Array(classes);
  for (let t = 1; t <= iterations; t++) {
    const gw = new Float64Array(d * classes);
    const gb = new Float64Array(classes);
    x.forEach((xi, i) => {
      logits(m, xi, z);
      const max = Math.max(...z);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += z[c] = Math.exp(z[c]! - max);
      for (let c = 0; c < classes; c++) {
        z[c] = (z[c]! / sum - (c === y[i] ? 1 : 0)) / x.length; // dLoss/dlogit
        gb[c]! += z[c]!;
      }
      // Outer product x ⊗ g, row by row so the inner loop runs over contiguous memory.
      for (let k = 0; k < d; k++) {
        const xk = xi[k]!;
        const row = k * classes;
        for (let c = 0; c < classes; c++) gw[row + c]! += xk * z[c]!;
      }
    });
    for (let j = 0; j < gw.length; j++) gw[j]! += 2 * l2 * m.w[j]!;
    [gw, gb].forEach((g, p) => adamStepInPlace(params[p]!, g, moments[p]!, t, LEARNING_RATE));
  }
  return m;
}

export function softmaxAccuracy(m: Softmax, x: Float64Array[], y: number[]): number {
  const z = new Float64Array(m.classes);
  let right = 0;
  x.forEach((xi, i) => {
    logits(m, xi, z);
    if (z.indexOf(Math.max(...z)) === y[i]) right++;
  });
  return right / Math.max(1, x.length);
}
