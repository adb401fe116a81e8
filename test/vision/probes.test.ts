import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/backend/random.js';
import { memoryImageSet } from '../../src/vision/data/index.js';
import { resolveVisionConfig, visionPipeline } from '../../src/vision/config.js';
import { buildVisionModel } from '../../src/vision/trainer.js';
import {
  flipImages,
  pixelFeatures,
  probeModules,
  scorePredictions,
} from '../../src/vision/probes.js';
import { methodConfig } from '../../src/vision/experiment.js';
import { perModuleAccuracySvg, resultsMarkdown } from '../../src/vision/experiment-report.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectNoLeaks } from '../helpers/leaks.js';

describe('probe helpers', () => {
  it('scorePredictions: top-1 and per-class accuracy', () => {
    const r = scorePredictions([0, 1, 1, 2], [0, 1, 2, 2], 4);
    assert.equal(r.accuracy, 0.75);
    assert.deepEqual(r.perClass.slice(0, 3), [1, 1, 0.5]);
    assert.ok(Number.isNaN(r.perClass[3]!));
  });

  it('flipImages mirrors each row, channel by channel', () => {
    const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]); // one 2×2 image, 2 channels
    flipImages(img, 1, 2, 2);
    assert.deepEqual(Array.from(img), [3, 4, 1, 2, 7, 8, 5, 6]);
  });

  it('experiment methods: layouts and objectives; table and SVG name every method', () => {
    const base = resolveVisionConfig();
    assert.deepEqual(
      [methodConfig(base, 'cpc').encoder.layout, methodConfig(base, 'cpc').loss.objective],
      ['cpc', 'infonce'],
    );
    assert.deepEqual(
      [
        methodConfig(base, 'supervised').encoder.layout,
        methodConfig(base, 'supervised').loss.objective,
      ],
      ['cpc', 'supervised'],
    );
    assert.deepEqual(
      [
        methodConfig(base, 'greedy-supervised').encoder.layout,
        methodConfig(base, 'greedy-supervised').loss.objective,
      ],
      ['gim', 'supervised'],
    );
    assert.equal(methodConfig(base, 'random').train.steps, 0);
    const modules = [0.5, 0.6].map((accuracy, m) => ({
      module: m + 1,
      channels: 4,
      accuracy,
      standardError: 0.01,
      testImages: 2000,
      perClass: [],
      trainLoss: 1,
    }));
    const result = {
      method: 'gim' as const,
      label: 'GIM',
      config: base,
      seed: 2,
      trainSeconds: 1,
      probeSeconds: 1,
      firstLoss: [],
      finalLoss: [],
      modules,
      curve: [],
      curveSeconds: 0,
    };
    assert.match(
      resultsMarkdown([result]),
      /\| GIM \| 2 \| 60\.0 ± 1\.0 \| 4 \| 50\.0 ± 1\.0 \(d=4\) \| 60\.0 ± 1\.0 \(d=4\) \| – \|/,
    );
    assert.match(
      resultsMarkdown([result]),
      /\| module 1 \(%, ± SE, dim\) \| module 2 \(%, ± SE, dim\) \|/,
    );
    const svg = perModuleAccuracySvg([{ ...result, label: 'GIM <a>' }]);
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal(svg.match(/<circle /g)?.length, 2, 'one marker per module');
    assert.equal(
      svg.match(
        /<line x1="[\d.]+" y1="[\d.]+" x2="[\d.]+" y2="[\d.]+" stroke="#1f77b4" stroke-width="1.5"/g,
      )?.length,
      2,
      'an SE bar per module',
    );
    assert.match(svg, /<path d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/);
    assert.match(svg, /GIM &lt;a&gt;/);
  });
});

forEachBackend(
  'linear probe',
  () => {
    it('separates dark from bright images through a random encoder, without touching the encoder', async () => {
      const rng = new Rng(4);
      const n = 24;
      const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
      const pixels = new Uint8Array(n * 28 * 28);
      for (let i = 0; i < n; i++)
        for (let p = 0; p < 28 * 28; p++)
          pixels[i * 784 + p] = (labels[i] ? 170 : 40) + rng.int(60);
      const set = memoryImageSet({
        name: 'dark-bright',
        height: 28,
        width: 28,
        channels: 1,
        pixels,
        labels,
        classes: 2,
      });
      const config = resolveVisionConfig([
        {
          source: 't',
          values: { encoder: { block: 'basic', blocks: [1, 1], planes: [2, 3], stemChannels: 2 } },
        },
      ]);
      const model = buildVisionModel(config);
      const before = model.parameters().map((p) => p.dataSync().slice());
      const idx = Int32Array.from({ length: n }, (_, i) => i);
      const results = await expectNoLeaks(
        () =>
          probeModules(model, visionPipeline(config.data), set, idx, set, idx, 2, {
            epochs: 30,
            learningRate: 1e-2,
            batchSize: 8,
            encodeBatch: 8,
            seed: 1,
            standardize: true,
          }),
        'probeModules',
      );
      assert.deepEqual(
        results.map((r) => r.channels),
        [2, 3],
      );
      for (const r of results)
        assert.ok(r.accuracy >= 0.9, `module ${r.module}: accuracy ${r.accuracy}`);
      model
        .parameters()
        .forEach((p, i) => assert.deepEqual(p.dataSync(), before[i], `${p.name} changed`));
      model.dispose();
    });
  },
  ['wasm', 'native'],
);

it('probe.flip false: mirror-asymmetric classes (bright left vs bright right) are learnable only without flips', () => {
  const rng = new Rng(6);
  const n = 80; // the first half trains, the second tests: the probe cannot memorise test noise
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const pixels = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++)
        pixels[i * 784 + y * 28 + x] =
          x < 14 === (labels[i] === 1) ? 200 + rng.int(40) : rng.int(40);
  const set = memoryImageSet({
    name: 'halves',
    height: 28,
    width: 28,
    channels: 1,
    pixels,
    labels,
    classes: 2,
  });
  const config = resolveVisionConfig([{ source: 't', values: {} }]);
  const pipeline = visionPipeline(config.data);
  const train = Int32Array.from({ length: n / 2 }, (_, i) => i);
  const test = Int32Array.from({ length: n / 2 }, (_, i) => n / 2 + i);
  const opts = {
    epochs: 40,
    learningRate: 1e-2,
    batchSize: 8,
    encodeBatch: 8,
    seed: 1,
    standardize: true,
  };
  const pixelsOf = pixelFeatures(pipeline, set);
  const flipped = probeModules(pixelsOf, pipeline, set, train, set, test, 2, opts)[0]!;
  const plain = probeModules(pixelsOf, pipeline, set, train, set, test, 2, {
    ...opts,
    flip: false,
  })[0]!;
  assert.equal(plain.accuracy, 1, 'without flips the bright half tells the class');
  assert.ok(
    plain.trainLoss < 0.1,
    `without flips the training set is separable: ${plain.trainLoss}`,
  );
  // With flips half the training views carry the other label: the data contradict each other, so
  // the loss stays near ln 2 (the test accuracy then only tells which view the last epoch favoured).
  assert.ok(
    flipped.trainLoss > 0.5,
    `with flips the training loss stays high: ${flipped.trainLoss}`,
  );
});
