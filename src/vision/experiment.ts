/**
 * The vision comparison of the paper's table (spec §5.1) at a chosen size: the methods GIM (one
 * module per ResNet stage), end-to-end CPC (one module + PixelCNN), end-to-end supervised, greedy
 * supervised, a random encoder and a linear probe on the raw pixels, each probed linearly after
 * every encoder module (see probes.ts for what "module" means in the end-to-end layouts), on the
 * same images. GIM can also be trained sequentially, at the simultaneous run's total budget or at
 * its per-module budget. Optional learning curves probe GIM and CPC at listed steps of their one
 * training run. Pure library code: progress goes through a callback, results come back as data
 * (the CLI writes the files; experiment-report.ts formats them).
 */
import { summarizeLosses } from '../core/loss-summary.js';
import {
  resolveVisionConfig,
  visionModuleCount,
  visionPipeline,
  type VisionGimConfig,
} from './config.js';
import { VisionTrainer, buildVisionModel } from './trainer.js';
import { openTrainingSource, openVisionSet } from './data.js';
import {
  fixedCrop,
  pixelFeatures,
  probeModules,
  type ImageFeatureExtractor,
  type ModuleProbeResult,
  type ProbeOptions,
} from './probes.js';
import type { ImageSet } from './data/index.js';
import type { VisionGimModel } from './model.js';
import { ConfigError } from '../errors.js';

export const VISION_METHODS = [
  'raw-pixels',
  'random',
  'gim',
  'cpc',
  'supervised',
  'greedy-supervised',
  'gim-sequential',
  'gim-sequential-full',
] as const;
export type VisionMethod = (typeof VISION_METHODS)[number];

/** What `gim experiment vision` runs without --methods (the sequential variants are opt-in). */
export const DEFAULT_VISION_METHODS: readonly VisionMethod[] = VISION_METHODS.slice(0, 6);

/** The methods a learning curve (`curve`) probes along their training run. */
export const CURVE_METHODS: readonly VisionMethod[] = ['gim', 'cpc'];

export const METHOD_LABELS: Record<VisionMethod, string> = {
  'raw-pixels': 'Raw pixels',
  random: 'Randomly initialized',
  gim: 'Greedy InfoMax (GIM)',
  cpc: 'CPC (end-to-end)',
  supervised: 'Supervised (end-to-end)',
  'greedy-supervised': 'Greedy Supervised',
  'gim-sequential': 'GIM sequential (steps/M per module)',
  'gim-sequential-full': 'GIM sequential (steps per module)',
};

/**
 * The config of one method, derived from the base config. The sequential variants of GIM train
 * one module at a time: 'gim-sequential' within the simultaneous run's total steps (each module
 * gets steps/M), 'gim-sequential-full' with the simultaneous run's steps for every module (M·steps
 * in all), so both "equal budget" readings of the paper's comparison can be run.
 */
export function methodConfig(base: VisionGimConfig, method: VisionMethod): VisionGimConfig {
  const layout = method === 'cpc' || method === 'supervised' ? 'cpc' : 'gim';
  const objective =
    method === 'supervised' || method === 'greedy-supervised' ? 'supervised' : 'infonce';
  const untrained = method === 'random' || method === 'raw-pixels';
  const modules = visionModuleCount({ ...base.encoder, layout: 'gim' });
  const schedule =
    method === 'gim-sequential'
      ? { schedule: 'sequential', stepsPerModule: 0 }
      : method === 'gim-sequential-full'
        ? { schedule: 'sequential', stepsPerModule: base.train.steps }
        : {};
  const steps = untrained
    ? 0
    : method === 'gim-sequential-full'
      ? base.train.steps * modules
      : base.train.steps;
  return resolveVisionConfig([
    {
      source: `experiment method ${method}`,
      values: {
        ...structuredClone(base),
        encoder: { ...base.encoder, layout },
        loss: { ...base.loss, objective },
        train: { ...base.train, ...schedule, steps },
      },
    },
  ]);
}

/** The probe's images: the first N labelled-train and the first N test images of config.probe. */
export interface ProbeImages {
  readonly trainSet: ImageSet;
  readonly testSet: ImageSet;
  readonly trainIdx: Int32Array;
  readonly testIdx: Int32Array;
  close(): void;
}

/**
 * Opens the first N labelled-train and first N test images (N from `limits`, 0 = all): the same
 * images for every method and for the raw-pixel row, and the supervised methods train on exactly
 * the labelled images the probes use.
 */
export function openProbeImages(
  config: VisionGimConfig,
  limits: { trainImages: number; testImages: number } = config.probe,
): ProbeImages {
  const trainSet = openVisionSet(config.data, 'labelled-train');
  const testSet = openVisionSet(config.data, 'test');
  const first = (count: number, limit: number): Int32Array =>
    Int32Array.from({ length: limit === 0 ? count : Math.min(limit, count) }, (_, i) => i);
  return {
    trainSet,
    testSet,
    trainIdx: first(trainSet.count, limits.trainImages),
    testIdx: first(testSet.count, limits.testImages),
    close: () => {
      trainSet.close();
      testSet.close();
    },
  };
}

/** Probes every module of `source` (a model, or the pixels) on `images`; the model is only read. */
export function probeImages(
  source: VisionGimModel | ImageFeatureExtractor,
  config: VisionGimConfig,
  images: ProbeImages,
  options: ProbeOptions,
): ModuleProbeResult[] {
  const { trainSet, trainIdx, testSet, testIdx } = images;
  const pipeline = visionPipeline(config.data);
  return probeModules(source, pipeline, trainSet, trainIdx, testSet, testIdx, 10, options);
}

/** Opens the probe images, probes every module of `model`, closes them (`gim eval`). */
export function probeFirstImages(
  model: VisionGimModel,
  config: VisionGimConfig,
  options: ProbeOptions,
  limits: { trainImages: number; testImages: number } = config.probe,
): { modules: ModuleProbeResult[]; trainImages: number; testImages: number } {
  const images = openProbeImages(config, limits);
  try {
    const modules = probeImages(model, config, images, options);
    return { modules, trainImages: images.trainIdx.length, testImages: images.testIdx.length };
  } finally {
    images.close();
  }
}

/** The probe settings of an experiment run: config.probe, seeded from the training seed. */
export function experimentProbeOptions(config: VisionGimConfig): ProbeOptions {
  return {
    epochs: config.probe.epochs,
    learningRate: config.probe.learningRate,
    batchSize: config.probe.batchSize,
    encodeBatch: 64,
    seed: config.train.seed + 200,
    standardize: config.probe.standardize,
    flip: config.probe.flip,
  };
}

/** The probes of one model state along a training run. */
export interface CurvePoint {
  readonly step: number;
  readonly modules: ModuleProbeResult[];
}

export interface MethodResult {
  readonly method: VisionMethod;
  readonly label: string;
  readonly config: VisionGimConfig;
  readonly seed: number;
  readonly trainSeconds: number;
  readonly probeSeconds: number;
  /** Mean training loss per module over the first 10% of the steps that trained it (empty when untrained). */
  readonly firstLoss: number[];
  /** The same over the last 10% of its steps: below firstLoss when the method trains. */
  readonly finalLoss: number[];
  /** Probe results per encoder module (the raw-pixel row: one, the pixels). */
  readonly modules: ModuleProbeResult[];
  /** Learning curve: probes at the requested steps and at the end (empty when not asked). */
  readonly curve: CurvePoint[];
  /** Seconds spent probing the curve's intermediate steps (not in trainSeconds). */
  readonly curveSeconds: number;
}

export interface ExperimentProgress {
  (event: {
    method: VisionMethod;
    phase: 'train' | 'probe' | 'curve';
    step?: number;
    steps?: number;
    text?: string;
    /** The step's exact loss per module (null: the module did not train this step). */
    losses?: readonly (number | null)[];
    /** Signs of collapse first seen at this step (core/collapse.ts). */
    warnings?: readonly string[];
  }): void;
}

export interface MethodRunOptions {
  /** Steps at which GIM and CPC are probed during training (others ignore it). */
  readonly curve?: readonly number[];
}

/** Trains and probes one method (with `base.train.seed` as its seed). */
export async function runVisionMethod(
  base: VisionGimConfig,
  method: VisionMethod,
  backend: string,
  progress: ExperimentProgress = () => {},
  options: MethodRunOptions = {},
): Promise<MethodResult> {
  const config = methodConfig(base, method);
  const images = openProbeImages(config);
  // Refused here, before minutes of training, not when the probe first runs.
  if (!config.probe.flip && !fixedCrop(visionPipeline(config.data), images.trainSet))
    throw new ConfigError(
      'probe.flip',
      'true for a data set with random crops (only a fixed crop can be probed without flips)',
      false,
      'config',
    );
  const probeOptions = experimentProbeOptions(config);
  const probe = (source: VisionGimModel | ImageFeatureExtractor): ModuleProbeResult[] =>
    probeImages(source, config, images, probeOptions);
  try {
    const t0 = performance.now();
    const curveSteps = CURVE_METHODS.includes(method) ? (options.curve ?? []) : [];
    const trained =
      method === 'raw-pixels'
        ? null
        : await trainMethod(config, method, backend, progress, { steps: curveSteps, probe });
    const t1 = performance.now();
    progress({ method, phase: 'probe' });
    const modules = trained
      ? probe(trained.model)
      : probe(pixelFeatures(visionPipeline(config.data), images.trainSet));
    trained?.model.dispose();
    const curve = trained?.curve ?? [];
    if (curveSteps.length > 0) curve.push({ step: config.train.steps, modules });
    return {
      method,
      label: METHOD_LABELS[method],
      config,
      seed: config.train.seed,
      trainSeconds: (t1 - t0) / 1000 - (trained?.curveSeconds ?? 0),
      probeSeconds: (performance.now() - t1) / 1000,
      firstLoss: trained?.firstLoss ?? [],
      finalLoss: trained?.finalLoss ?? [],
      modules,
      curve,
      curveSeconds: trained?.curveSeconds ?? 0,
    };
  } finally {
    images.close();
  }
}

interface TrainedMethod {
  readonly model: VisionGimModel;
  readonly firstLoss: number[];
  readonly finalLoss: number[];
  readonly curve: CurvePoint[];
  readonly curveSeconds: number;
}

/**
 * Trains the encoder of one method (the random method: none) and returns it with the mean
 * training loss per module over the first and last 10 % of steps. At each curve step below the
 * last, the live model is probed between two training steps: the probe only reads the weights
 * and draws from its own random stream, so the training run is the same with or without it.
 */
async function trainMethod(
  config: VisionGimConfig,
  method: VisionMethod,
  backend: string,
  progress: ExperimentProgress,
  curve: {
    steps: readonly number[];
    probe: (model: VisionGimModel) => ModuleProbeResult[];
  },
): Promise<TrainedMethod> {
  if (method === 'random')
    return {
      model: buildVisionModel(config),
      firstLoss: [],
      finalLoss: [],
      curve: [],
      curveSeconds: 0,
    };
  // Supervised baselines see only the labelled images the probes see (a fair comparison).
  const { set, source } = openTrainingSource(config, config.probe.trainImages);
  const trainer = VisionTrainer.create(config, source, backend);
  const steps = config.train.steps;
  const probeAt = new Set(curve.steps.filter((s) => s < steps));
  const points: CurvePoint[] = [];
  let curveSeconds = 0;
  const records = await trainer.run(null, {
    onStep: (r) => {
      progress({
        method,
        phase: 'train',
        step: r.step,
        steps,
        text: r.modules.map((m) => m?.loss.toFixed(3) ?? '-').join(' '),
        losses: r.modules.map((m) => m?.loss ?? null),
        ...(r.warnings ? { warnings: r.warnings.map((w) => w.message) } : {}),
      });
      if (!probeAt.has(r.step)) return;
      progress({ method, phase: 'curve', step: r.step, steps });
      const t = performance.now();
      points.push({ step: r.step, modules: curve.probe(trainer.model) });
      curveSeconds += (performance.now() - t) / 1000;
    },
  });
  // Per module over the steps that trained it (a sequential schedule trains one at a time).
  const losses = summarizeLosses(
    trainer.model.modules.map((_, m) =>
      records.flatMap((r) => (r.modules[m] ? [r.modules[m]!.loss] : [])),
    ),
  );
  for (const o of trainer.optimizers) o.dispose();
  set.close();
  return {
    model: trainer.model,
    firstLoss: losses.first,
    finalLoss: losses.final,
    curve: points,
    curveSeconds,
  };
}
