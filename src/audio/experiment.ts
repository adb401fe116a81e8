/**
 * `gim experiment audio`: trains each method's encoder on one corpus, probes it with the same
 * settings and the same fixed test windows, and returns one row per method and model seed
 * (spec §5.3–5.4). With a learning curve, GIM and CPC also save a checkpoint at each listed step
 * of their one training run and are probed there afterwards (saving reads the weights and
 * changes nothing of the run, so its losses are those of a run without the curve).
 */
import { join } from 'node:path';
import { Rng } from '../backend/random.js';
import type { AudioCorpus } from './data/index.js';
import { checkRules, deepFreeze, mergeChecked, rules } from '../core/config/merge.js';
import { ConfigError } from '../errors.js';
import { LossRecorder, type LossSummary } from '../core/loss-summary.js';
import { resolveAudioConfig, type AudioGimConfig, type AudioLayout } from './config.js';
import { AudioGimModel } from './model.js';
import { AudioTrainer, type StepRecord } from './trainer.js';
import { CorpusSource } from './batches.js';
import { SupervisedAudioModel } from './supervised.js';
import { layerEncoder, loadAudioModel, mfccEncoder, type FrozenEncoder } from './encoders.js';
import {
  DEFAULT_PROBE_SETTINGS,
  evaluateEncoder,
  type ModuleProbes,
  type ProbeProgress,
  type ProbeSettings,
} from './probes.js';

export const AUDIO_METHODS = [
  'random',
  'mfcc',
  'cpc',
  'gim',
  'supervised',
  'greedy-supervised',
] as const;
export type AudioMethod = (typeof AUDIO_METHODS)[number];

export const METHOD_NAMES: Record<AudioMethod, string> = {
  random: 'Random initialization',
  mfcc: 'MFCC features',
  cpc: 'CPC (end-to-end InfoNCE)',
  gim: 'Greedy InfoMax (GIM)',
  supervised: 'Supervised (end-to-end)',
  'greedy-supervised': 'Greedy Supervised',
};

export interface ExperimentSettings {
  readonly methods: readonly AudioMethod[];
  readonly probe: ProbeSettings;
  /** Steps and Adam learning rate of the supervised baselines (batch size: the model config's). */
  readonly supervised: { readonly steps: number; readonly learningRate: number };
  /** Model seeds: every method runs once per seed (train.seed = it); empty: the model config's seed. */
  readonly seeds: readonly number[];
  /**
   * Learning curve: the training steps (ascending) at which GIM and CPC are probed; they then
   * train to the largest. Empty: no curve, they train `train.steps`.
   */
  readonly curve: readonly number[];
}

export const DEFAULT_EXPERIMENT_SETTINGS: ExperimentSettings = deepFreeze({
  methods: [...AUDIO_METHODS],
  probe: { ...DEFAULT_PROBE_SETTINGS, perModule: true },
  supervised: { steps: 1500, learningRate: 1e-3 },
  seeds: [],
  curve: [],
});

export function resolveExperimentSettings(
  overrides: readonly { source: string; values: unknown }[] = [],
): ExperimentSettings {
  let s: ExperimentSettings = DEFAULT_EXPERIMENT_SETTINGS;
  for (const { source, values } of overrides) {
    s = mergeChecked(s, values, source);
    checkRules(
      s,
      {
        'supervised.steps': rules.nonNegativeInt,
        'supervised.learningRate': rules.positive,
        seeds: rules.nonNegativeInts,
        curve: rules.nonNegativeInts,
      },
      source,
    );
    checkCurve(s.curve, source);
    if (new Set(s.seeds).size !== s.seeds.length)
      throw new ConfigError('seeds', 'each seed once', s.seeds, source);
    for (const m of s.methods) {
      if (!(AUDIO_METHODS as readonly string[]).includes(m))
        throw new ConfigError('methods', `entries from ${AUDIO_METHODS.join(', ')}`, m, source);
    }
  }
  return deepFreeze(structuredClone(s));
}

function checkCurve(curve: readonly number[], source: string): void {
  const ascending = curve.every((step, i) => step > 0 && (i === 0 || step > curve[i - 1]!));
  if (!ascending)
    throw new ConfigError('curve', 'training steps > 0 in ascending order', curve, source);
}

/** The model seeds the experiment runs: the settings' list, else the model config's one seed. */
export function experimentSeeds(settings: ExperimentSettings, model: AudioGimConfig): number[] {
  return settings.seeds.length > 0 ? [...settings.seeds] : [model.train.seed];
}

/** The probes of a self-supervised encoder after `step` training steps (a learning-curve point). */
export interface CurvePoint {
  readonly step: number;
  readonly modules: readonly ModuleProbes[];
}

export interface ExperimentRow {
  readonly method: AudioMethod;
  readonly name: string;
  /** Module layout of the encoder (null for MFCC). */
  readonly layout: AudioLayout | null;
  /** The model config the encoder was built/trained with (null for MFCC). */
  readonly config: AudioGimConfig | null;
  readonly seed: number;
  readonly trainSteps: number;
  readonly trainSeconds: number;
  readonly evalSeconds: number;
  /** Checkpoint directory (GIM and CPC only). */
  readonly checkpoint: string | null;
  /**
   * Training loss per module at the start and end of training (mean over the first and the last
   * 10 % of its steps); empty for the untrained rows (random, MFCC).
   */
  readonly firstLoss: readonly number[];
  readonly finalLoss: readonly number[];
  readonly modules: readonly ModuleProbes[];
  /** Learning curve (GIM and CPC with `settings.curve`; the last point is `modules`); else null. */
  readonly curve: readonly CurvePoint[] | null;
}

export type ExperimentEvent =
  | {
      readonly kind: 'start';
      readonly method: AudioMethod;
      readonly seed: number;
      /** Index of this (seed, method) run among `count`. */
      readonly index: number;
      readonly count: number;
    }
  | {
      readonly kind: 'train';
      readonly method: AudioMethod;
      readonly step: number;
      readonly steps: number;
      readonly loss: number;
    }
  | { readonly kind: 'eval'; readonly method: AudioMethod; readonly progress: ProbeProgress }
  /** A sign of collapse seen while training (core/collapse.ts). */
  | { readonly kind: 'warning'; readonly method: AudioMethod; readonly message: string }
  | { readonly kind: 'done'; readonly row: ExperimentRow };

export interface ExperimentOptions {
  readonly corpus: AudioCorpus;
  /** Model/training config shared by all methods (the layout is set per method). */
  readonly model: AudioGimConfig;
  readonly settings: ExperimentSettings;
  /** Checkpoints of the trained self-supervised models go to `${checkpointRoot}/<method>`; null: none. */
  readonly checkpointRoot: string | null;
  readonly onEvent?: (e: ExperimentEvent) => void;
}

/** Every method once per seed, seed by seed; the probe settings (and test windows) never change. */
export async function runAudioExperiment(o: ExperimentOptions): Promise<ExperimentRow[]> {
  const seeds = experimentSeeds(o.settings, o.model);
  if (o.settings.curve.length > 0 && o.checkpointRoot === null)
    throw new ConfigError(
      'curve',
      'a checkpoint folder to save the curve steps in (checkpointRoot)',
      null,
      'experiment',
    );
  const rows: ExperimentRow[] = [];
  const count = seeds.length * o.settings.methods.length;
  for (const seed of seeds) {
    for (const method of o.settings.methods) {
      o.onEvent?.({ kind: 'start', method, seed, index: rows.length, count });
      const row = await runMethod(method, seed, seeds.length > 1, o);
      rows.push(row);
      o.onEvent?.({ kind: 'done', row });
    }
  }
  return rows;
}

/** The shared model config with this method's layout, seed and (for the curve) steps. */
function methodConfig(
  model: AudioGimConfig,
  layout: AudioLayout,
  seed: number,
  steps = model.train.steps,
): AudioGimConfig {
  return resolveAudioConfig([
    {
      source: 'experiment',
      values: {
        ...model,
        encoder: { ...model.encoder, layout },
        train: { ...model.train, seed, steps },
      },
    },
  ]);
}

async function runMethod(
  method: AudioMethod,
  seed: number,
  manySeeds: boolean,
  o: ExperimentOptions,
): Promise<ExperimentRow> {
  const started = performance.now();
  let encoder: FrozenEncoder;
  let release: () => void;
  let config: AudioGimConfig | null = null;
  let trainSteps = 0;
  let checkpoint: string | null = null;
  let curveDirs: { step: number; dir: string }[] = [];
  let losses: LossSummary = { first: [], final: [] };
  if (method === 'mfcc') {
    encoder = mfccEncoder();
    release = () => encoder.dispose();
  } else if (method === 'random') {
    config = methodConfig(o.model, 'gim-6', seed);
    encoder = layerEncoder(
      new AudioGimModel(config.encoder, config.loss, new Rng(seed)),
      config.encoder,
    );
    release = () => encoder.dispose();
  } else if (method === 'gim' || method === 'cpc') {
    const curve = o.settings.curve;
    const steps = curve.length > 0 ? curve[curve.length - 1]! : o.model.train.steps;
    config = methodConfig(o.model, method === 'gim' ? 'gim-6' : 'cpc', seed, steps);
    const name = manySeeds ? `${method}-seed${seed}` : method;
    checkpoint = o.checkpointRoot ? join(o.checkpointRoot, name) : null;
    curveDirs = o.checkpointRoot
      ? curve
          .filter((step) => step < steps)
          .map((step) => ({ step, dir: join(o.checkpointRoot!, 'curve', name, `step-${step}`) }))
      : [];
    const { trainer, summary } = await trainInfoMax(config, o, method, checkpoint, curveDirs);
    losses = summary;
    trainSteps = trainer.step;
    encoder = layerEncoder(trainer.model, config.encoder);
    release = () => trainer.dispose();
  } else {
    config = methodConfig(o.model, method === 'supervised' ? 'cpc' : 'gim-6', seed);
    const { model, summary } = await trainSupervised(config, o, method);
    losses = summary;
    trainSteps = o.settings.supervised.steps;
    encoder = layerEncoder(model, config.encoder);
    release = () => model.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  try {
    const evalStart = performance.now();
    const modules = await evaluateEncoder(o.corpus, encoder, o.settings.probe, (progress) =>
      o.onEvent?.({ kind: 'eval', method, progress }),
    );
    const curve =
      config && (method === 'gim' || method === 'cpc') && o.settings.curve.length > 0
        ? [...(await probeCurve(curveDirs, method, o)), { step: config.train.steps, modules }]
        : null;
    const evalSeconds = (performance.now() - evalStart) / 1000;
    const layout = config?.encoder.layout ?? null;
    return {
      method,
      name: METHOD_NAMES[method],
      layout,
      config,
      seed,
      trainSteps,
      trainSeconds,
      evalSeconds,
      checkpoint,
      firstLoss: losses.first,
      finalLoss: losses.final,
      modules,
      curve,
    };
  } finally {
    release();
  }
}

/** Probes the checkpoint saved at each earlier curve step, with the experiment's probe settings. */
async function probeCurve(
  dirs: readonly { step: number; dir: string }[],
  method: AudioMethod,
  o: ExperimentOptions,
): Promise<CurvePoint[]> {
  const points: CurvePoint[] = [];
  for (const { step, dir } of dirs) {
    const { config, model } = loadAudioModel(dir);
    const encoder = layerEncoder(model, config.encoder);
    try {
      const modules = await evaluateEncoder(o.corpus, encoder, o.settings.probe, (progress) =>
        o.onEvent?.({
          kind: 'eval',
          method,
          progress: { ...progress, phase: `step ${step}: ${progress.phase}` },
        }),
      );
      points.push({ step, modules });
    } finally {
      encoder.dispose();
    }
  }
  return points;
}

/**
 * Trains GIM or CPC on the corpus (checkpointing into `checkpoint` when given), saving a copy of
 * the state into each curve folder as its step completes.
 */
async function trainInfoMax(
  config: AudioGimConfig,
  o: ExperimentOptions,
  method: AudioMethod,
  checkpoint: string | null,
  curveDirs: readonly { step: number; dir: string }[] = [],
): Promise<{ trainer: AudioTrainer; summary: LossSummary }> {
  const trainer = AudioTrainer.create(
    config,
    new CorpusSource(o.corpus, config.train.batchSize, config.train.seed + 2),
  );
  const curveDir = new Map(curveDirs.map(({ step, dir }) => [step, dir]));
  const recorder = new LossRecorder();
  await trainer.run(checkpoint, {
    onStep: (r: StepRecord) => {
      recorder.add(r.modules.map((m) => m?.loss));
      const dir = curveDir.get(r.step);
      if (dir) trainer.saveCopy(dir);
      for (const w of r.warnings ?? [])
        o.onEvent?.({ kind: 'warning', method, message: w.message });
      const losses = r.modules.map((m) => m?.loss ?? 0);
      o.onEvent?.({
        kind: 'train',
        method,
        step: r.step,
        steps: config.train.steps,
        loss: losses.reduce((a, b) => a + b, 0) / losses.length,
      });
    },
  });
  return { trainer, summary: recorder.summary(trainer.model.modules.length) };
}

async function trainSupervised(
  config: AudioGimConfig,
  o: ExperimentOptions,
  method: AudioMethod,
): Promise<{ model: SupervisedAudioModel; summary: LossSummary }> {
  const { steps, learningRate } = o.settings.supervised;
  const model = new SupervisedAudioModel(
    config.encoder,
    o.corpus.speakers.length,
    learningRate,
    config.train.seed,
  );
  const rng = new Rng(config.train.seed + 2);
  const recorder = new LossRecorder();
  let step = 0;
  while (step < steps) {
    let any = false;
    for await (const batch of o.corpus.epoch('train', config.train.batchSize, rng)) {
      any = true;
      const stats = model.trainStep(batch.audio, batch.speaker, batch.windowSamples, rng);
      recorder.add(stats.map((s) => s?.loss));
      step++;
      const losses = stats.map((s) => s?.loss ?? 0);
      o.onEvent?.({
        kind: 'train',
        method,
        step,
        steps,
        loss: losses.reduce((a, b) => a + b, 0) / losses.length,
      });
      if (step >= steps) break;
    }
    if (!any)
      throw new ConfigError(
        'train.batchSize',
        `at most the ${o.corpus.ids('train').length} training utterances`,
        config.train.batchSize,
        'experiment',
      );
  }
  return { model, summary: recorder.summary(model.modules.length) };
}
