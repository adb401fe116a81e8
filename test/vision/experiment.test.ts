/**
 * The vision experiment: the raw-pixel row (same images, the image's own dimension), standard
 * errors, the sequential methods' budgets, seed summaries with hand numbers, and learning curves
 * that probe at each listed step without changing the training run (exact, on wasm). The runs use
 * Fashion-MNIST from disk (as `gim experiment vision` does) at a few images and steps.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tinyImageSet } from '../helpers/tiny-images.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectNoLeaks } from '../helpers/leaks.js';
import { resolveVisionConfig, visionPipeline } from '../../src/vision/config.js';
import { encodeImages, pixelFeatures } from '../../src/vision/probes.js';
import {
  VISION_METHODS,
  methodConfig,
  runVisionMethod,
  type MethodResult,
  type VisionMethod,
} from '../../src/vision/experiment.js';
import {
  curveJson,
  curveSvg,
  resultsMarkdown,
  seedSummary,
  summaryMarkdown,
} from '../../src/vision/experiment-report.js';

/** Three one-block stages; probes on 40 training and 30 test images, 2 epochs. */
const tiny = (values: object = {}) =>
  resolveVisionConfig([
    {
      source: 'test',
      values: {
        encoder: { block: 'basic', blocks: [1, 1, 1], planes: [2, 3, 4], stemChannels: 2 },
        train: { batchSize: 4, learningRate: 1e-2, steps: 3, seed: 5 },
        probe: { epochs: 2, learningRate: 1e-2, batchSize: 8, trainImages: 40, testImages: 30 },
      },
    },
    { source: 'case', values },
  ]);

describe('vision experiment methods', () => {
  it('every method probes the same images: probe and data settings are the base config', () => {
    const base = tiny();
    for (const m of VISION_METHODS) {
      assert.deepEqual(methodConfig(base, m).probe, base.probe, m);
      assert.deepEqual(methodConfig(base, m).data, base.data, m);
    }
  });

  it('sequential GIM: steps/M per module at the same total, or the full steps per module', () => {
    const base = tiny({ train: { steps: 30 } });
    const equalTotal = methodConfig(base, 'gim-sequential').train;
    const perModule = methodConfig(base, 'gim-sequential-full').train;
    assert.deepEqual(
      [equalTotal.schedule, equalTotal.stepsPerModule, equalTotal.steps],
      ['sequential', 0, 30],
    );
    assert.deepEqual(
      [perModule.schedule, perModule.stepsPerModule, perModule.steps],
      ['sequential', 30, 90],
    );
    assert.equal(methodConfig(base, 'gim').train.schedule, 'simultaneous');
    assert.equal(methodConfig(base, 'raw-pixels').train.steps, 0);
  });

  it('raw pixels: the normalised 28×28 image itself, 784 features, padding dropped', () => {
    const set = tinyImageSet();
    const pipeline = visionPipeline(tiny().data);
    const idx = Int32Array.from([0, 5, 11]);
    const [features] = encodeImages(pixelFeatures(pipeline, set), set, pipeline, idx, 2, {
      train: false,
      flip: false,
    });
    assert.equal(features!.length, 3 * 784);
    const image = set.readImage(5);
    for (const p of [0, 29, 400, 783]) {
      const want = (image[p]! / 255 - pipeline.mean[0]!) / pipeline.std[0]!;
      assert.ok(Math.abs(features![784 + p]! - want) < 1e-5, `pixel ${p}`);
    }
  });
});

/** A result with the given final accuracies per module, for the report functions. */
function fakeResult(method: VisionMethod, seed: number, accuracies: number[]): MethodResult {
  return {
    method,
    label: method.toUpperCase(),
    config: tiny(),
    seed,
    trainSeconds: 1,
    probeSeconds: 1,
    firstLoss: [2.8],
    finalLoss: [2.1],
    modules: accuracies.map((accuracy, m) => ({
      module: m + 1,
      channels: 8 << m,
      accuracy,
      standardError: 0.005,
      testImages: 10000,
      perClass: [],
      trainLoss: 1,
    })),
    curve: [],
    curveSeconds: 0,
  };
}

describe('vision experiment report', () => {
  it('rows carry ± SE and the dimension; seeds summarise as mean ± sd (hand numbers)', () => {
    const results = [
      fakeResult('gim', 1, [0.4, 0.5]),
      fakeResult('gim', 2, [0.5, 0.6]),
      fakeResult('gim', 3, [0.6, 0.7]),
      fakeResult('raw-pixels', 1, [0.8]),
    ];
    assert.match(
      resultsMarkdown(results),
      /\| GIM \| 2 \| 60\.0 ± 0\.5 \| 16 \| 50\.0 ± 0\.5 \(d=8\) \| 60\.0 ± 0\.5 \(d=16\) \| 2\.80 → 2\.10 \|/,
    );
    const [gim, raw] = seedSummary(results);
    assert.deepEqual(gim!.seeds, [1, 2, 3]);
    // Final module 0.5, 0.6, 0.7: mean 0.6, sd √((0.01 + 0 + 0.01) / 2) = 0.1.
    assert.ok(Math.abs(gim!.final.mean - 0.6) < 1e-12 && Math.abs(gim!.final.sd - 0.1) < 1e-12);
    assert.ok(Math.abs(gim!.modules[0]!.mean - 0.5) < 1e-12);
    assert.ok(Number.isNaN(raw!.final.sd), 'one seed has no sd');
    const table = summaryMarkdown([gim!, raw!]);
    assert.match(
      table,
      /\| GIM \| 1,2,3 \| 60\.0 ± 10\.0 \| 16 \| 50\.0 ± 10\.0 \(d=8\) \| 60\.0 ± 10\.0 \(d=16\) \| 0\.5 \|/,
    );
    assert.match(table, /\| RAW-PIXELS \| 1 \| 80\.0 \| 8 \| 80\.0 \(d=8\) \|  \| 0\.5 \|/);
  });

  it('the curve plot: log steps, one line per curve method, baselines dashed', () => {
    const gim = { ...fakeResult('gim', 1, [0.5]), curve: [] as MethodResult['curve'] };
    gim.curve.push(
      { step: 10, modules: fakeResult('gim', 1, [0.3]).modules },
      { step: 100, modules: fakeResult('gim', 1, [0.5]).modules },
    );
    const results = [gim, fakeResult('raw-pixels', 1, [0.8]), fakeResult('supervised', 1, [0.7])];
    const svg = curveSvg(results);
    assert.match(svg, /training steps \(log scale\)/);
    assert.equal(svg.match(/<circle /g)?.length, 2, 'one marker per curve step');
    assert.equal(svg.match(/stroke-dasharray/g)?.length, 4, 'two dashed levels and their legend');
    const json = curveJson(results) as { steps: number[]; curves: unknown[]; baselines: unknown[] };
    assert.deepEqual(json.steps, [10, 100]);
    assert.equal(json.curves.length, 1);
    assert.equal(json.baselines.length, 2);
  });
});

forEachBackend(
  'vision experiment on Fashion-MNIST',
  (backend) => {
    it('raw-pixels and a learned row: the same test images, binomial SE, 784 vs module dims', async () => {
      const base = tiny();
      const raw = await expectNoLeaks(() => runVisionMethod(base, 'raw-pixels', backend), 'raw');
      const random = await runVisionMethod(base, 'random', backend);
      assert.deepEqual(
        raw.modules.map((m) => [m.channels, m.testImages]),
        [[784, 30]],
      );
      assert.deepEqual(
        random.modules.map((m) => [m.channels, m.testImages]),
        [
          [2, 30],
          [3, 30],
          [4, 30],
        ],
      );
      for (const m of [...raw.modules, ...random.modules]) {
        const p = m.accuracy;
        // Binomial SE with the n/(n−1) factor of the clustered estimator at one image per group.
        assert.ok(Math.abs(m.standardError - Math.sqrt((p * (1 - p)) / 29)) < 1e-12);
      }
    });

    it('--curve probes at each listed step and the end, and leaves training unchanged', async () => {
      const run = async (curve: number[]) => {
        const losses: (number | null)[][] = [];
        const result = await runVisionMethod(
          tiny(),
          'gim',
          backend,
          (e) => {
            if (e.losses) losses.push([...e.losses]);
          },
          { curve },
        );
        return { result, losses };
      };
      const plain = await run([]);
      const curved = await run([1, 2]);
      assert.equal(plain.losses.length, 3);
      assert.deepEqual(curved.losses, plain.losses, 'the same losses, bit for bit');
      assert.deepEqual(plain.result.curve, []);
      assert.deepEqual(
        curved.result.curve.map((p) => [p.step, p.modules.length]),
        [
          [1, 3],
          [2, 3],
          [3, 3],
        ],
      );
      // The same final model: the same probe results.
      assert.deepEqual(curved.result.modules, plain.result.modules);
      assert.ok(plain.result.firstLoss.every(Number.isFinite));
    });
  },
  ['wasm'],
);
