/**
 * The vision comparison of the paper's table (spec §5.1) at a chosen size: the methods GIM (one
 * module per ResNet stage), end-to-end CPC (one module + PixelCNN), end-to-end supervised, greedy
 * supervised and a random encoder, each probed linearly after every encoder module (see
 * probes.ts for what "module" means in the end-to-end layouts). Pure library code: progress goes
 * through a callback, results come back as data (the CLI writes the files).
 */
import { resolveVisionConfig, visionPipeline, type VisionGimConfig } from './config.js';
import { VisionTrainer, buildVisionModel } from './trainer.js';
import { openTrainingSource, openVisionSet } from './data.js';
import { probeModules, type ModuleProbeResult, type ProbeOptions } from './probes.js';
import type { VisionGimModel } from './model.js';
import { accuracyAxis, lineChartSvg } from '../probe/plot.js';

export const VISION_METHODS = ['gim', 'cpc', 'supervised', 'greedy-supervised', 'random'] as const;
export type VisionMethod = (typeof VISION_METHODS)[number];

export const METHOD_LABELS: Record<VisionMethod, string> = {
  gim: 'Greedy InfoMax (GIM)',
  cpc: 'CPC (end-to-end)',
  supervised: 'Supervised (end-to-end)',
  'greedy-supervised': 'Greedy Supervised',
  random: 'Randomly initialized',
};

/** The config of one method, derived from the base config. */
export function methodConfig(base: VisionGimConfig, method: VisionMethod): VisionGimConfig {
  const layout = method === 'cpc' || method === 'supervised' ? 'cpc' : 'gim';
  const objective =
    method === 'supervised' || method === 'greedy-supervised' ? 'supervised' : 'infonce';
  const steps = method === 'random' ? 0 : base.train.steps;
  return resolveVisionConfig([
    {
      source: `experiment method ${method}`,
      values: {
        ...structuredClone(base),
        encoder: { ...base.encoder, layout },
        loss: { ...base.loss, objective },
        train: { ...base.train, steps },
      },
    },
  ]);
}

export interface MethodResult {
  readonly method: VisionMethod;
  readonly label: string;
  readonly config: VisionGimConfig;
  readonly seed: number;
  readonly trainSeconds: number;
  readonly probeSeconds: number;
  /** Mean training loss per module over the last 10% of steps (empty for the random method). */
  readonly finalLoss: number[];
  /** Probe results per encoder module. */
  readonly modules: ModuleProbeResult[];
}

export interface ExperimentProgress {
  (event: {
    method: VisionMethod;
    phase: 'train' | 'probe';
    step?: number;
    steps?: number;
    text?: string;
  }): void;
}

/**
 * Probes every module of `model` on the first N labelled-train images and tests on the first N
 * test images (N from config.probe, 0 = all): the same images for every method, and the
 * supervised methods train on exactly the labelled images the probes use. The model is only read.
 */
export function probeFirstImages(
  model: VisionGimModel,
  config: VisionGimConfig,
  options: ProbeOptions,
  limits: { trainImages: number; testImages: number } = config.probe,
): { modules: ModuleProbeResult[]; trainImages: number; testImages: number } {
  const trainSet = openVisionSet(config.data, 'labelled-train');
  const testSet = openVisionSet(config.data, 'test');
  try {
    const first = (count: number, limit: number): Int32Array =>
      Int32Array.from({ length: limit === 0 ? count : Math.min(limit, count) }, (_, i) => i);
    const trainIdx = first(trainSet.count, limits.trainImages);
    const testIdx = first(testSet.count, limits.testImages);
    const pipeline = visionPipeline(config.data);
    const modules = probeModules(
      model,
      pipeline,
      trainSet,
      trainIdx,
      testSet,
      testIdx,
      10,
      options,
    );
    return { modules, trainImages: trainIdx.length, testImages: testIdx.length };
  } finally {
    trainSet.close();
    testSet.close();
  }
}

/** Trains and probes one method. */
export async function runVisionMethod(
  base: VisionGimConfig,
  method: VisionMethod,
  backend: string,
  progress: ExperimentProgress = () => {},
): Promise<MethodResult> {
  const config = methodConfig(base, method);
  const t0 = performance.now();
  const { model, finalLoss } = await trainMethod(config, method, backend, progress);
  const t1 = performance.now();
  progress({ method, phase: 'probe' });
  const { modules } = probeFirstImages(model, config, {
    epochs: config.probe.epochs,
    learningRate: config.probe.learningRate,
    batchSize: config.probe.batchSize,
    encodeBatch: 32,
    seed: base.train.seed + 200,
    standardize: config.probe.standardize,
  });
  model.dispose();
  return {
    method,
    label: METHOD_LABELS[method],
    config,
    seed: config.train.seed,
    trainSeconds: (t1 - t0) / 1000,
    probeSeconds: (performance.now() - t1) / 1000,
    finalLoss,
    modules,
  };
}

/**
 * Trains the encoder of one method (the random method: none) and returns it with the mean
 * training loss per module over the last 10 % of steps.
 */
async function trainMethod(
  config: VisionGimConfig,
  method: VisionMethod,
  backend: string,
  progress: ExperimentProgress,
): Promise<{ model: VisionGimModel; finalLoss: number[] }> {
  if (method === 'random') return { model: buildVisionModel(config), finalLoss: [] };
  // Supervised baselines see only the labelled images the probes see (a fair comparison).
  const { set, source } = openTrainingSource(config, config.probe.trainImages);
  const trainer = VisionTrainer.create(config, source, backend);
  const records = await trainer.run(null, {
    onStep: (r) =>
      progress({
        method,
        phase: 'train',
        step: r.step,
        steps: config.train.steps,
        text: r.modules.map((m) => m?.loss.toFixed(3) ?? '-').join(' '),
      }),
  });
  const tail = records.slice(Math.floor(records.length * 0.9));
  const finalLoss = trainer.model.modules.map(
    (_, m) => tail.reduce((a, r) => a + (r.modules[m]?.loss ?? 0), 0) / Math.max(1, tail.length),
  );
  for (const o of trainer.optimizers) o.dispose();
  set.close();
  return { model: trainer.model, finalLoss };
}

const pct = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');

/** The results table in Markdown: final-module accuracy, then one column per module. */
export function resultsMarkdown(results: readonly MethodResult[]): string {
  const modules = Math.max(...results.map((r) => r.modules.length));
  const head = [
    'method',
    'test acc. (final module, %)',
    ...Array.from({ length: modules }, (_, m) => `module ${m + 1} (%)`),
    'train s',
    'probe s',
    'seed',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of results) {
    const final = r.modules[r.modules.length - 1]!;
    lines.push(
      `| ${r.label} | ${pct(final.accuracy)} | ${r.modules.map((m) => pct(m.accuracy)).join(' | ')} | ${r.trainSeconds.toFixed(0)} | ${r.probeSeconds.toFixed(0)} | ${r.seed} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Linear probe accuracy per encoder module, one line per method. */
export function perModuleAccuracySvg(results: readonly MethodResult[]): string {
  const series = results.map((r) => ({
    label: r.label,
    points: r.modules.map((m) => ({ x: m.module, y: m.accuracy })),
  }));
  return lineChartSvg({
    title: 'Linear probe accuracy per encoder module',
    modules: Math.max(1, ...results.map((r) => r.modules.length)),
    y: accuracyAxis(results.flatMap((r) => r.modules.map((m) => m.accuracy))),
    series,
  });
}
