/**
 * `gim experiment audio`: trains each method's encoder on one corpus, probes it with the same
 * settings and the same fixed test windows, and returns one row per method (spec §5.3–5.4).
 */
import { Rng } from '../backend/random.js';
import type { AudioCorpus } from './data/index.js';
import { checkRules, deepFreeze, mergeChecked, rules } from '../core/config/merge.js';
import { ConfigError } from '../errors.js';
import { resolveAudioConfig, type AudioGimConfig, type AudioLayout } from './config.js';
import { AudioGimModel } from './model.js';
import { AudioTrainer, type StepRecord } from './trainer.js';
import { CorpusSource } from './batches.js';
import { SupervisedAudioModel } from './supervised.js';
import { layerEncoder, mfccEncoder, type FrozenEncoder } from './encoders.js';
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
}

export const DEFAULT_EXPERIMENT_SETTINGS: ExperimentSettings = deepFreeze({
  methods: [...AUDIO_METHODS],
  probe: { ...DEFAULT_PROBE_SETTINGS, perModule: true },
  supervised: { steps: 1000, learningRate: 2e-4 },
});

export function resolveExperimentSettings(
  overrides: readonly { source: string; values: unknown }[] = [],
): ExperimentSettings {
  let s: ExperimentSettings = DEFAULT_EXPERIMENT_SETTINGS;
  for (const { source, values } of overrides) {
    s = mergeChecked(s, values, source);
    checkRules(
      s,
      { 'supervised.steps': rules.nonNegativeInt, 'supervised.learningRate': rules.positive },
      source,
    );
    for (const m of s.methods) {
      if (!(AUDIO_METHODS as readonly string[]).includes(m))
        throw new ConfigError('methods', `entries from ${AUDIO_METHODS.join(', ')}`, m, source);
    }
  }
  return deepFreeze(structuredClone(s));
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
  readonly modules: readonly ModuleProbes[];
}

export type ExperimentEvent =
  | {
      readonly kind: 'start';
      readonly method: AudioMethod;
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

export async function runAudioExperiment(o: ExperimentOptions): Promise<ExperimentRow[]> {
  const rows: ExperimentRow[] = [];
  for (const [index, method] of o.settings.methods.entries()) {
    o.onEvent?.({ kind: 'start', method, index, count: o.settings.methods.length });
    const row = await runMethod(method, o);
    rows.push(row);
    o.onEvent?.({ kind: 'done', row });
  }
  return rows;
}

function withLayout(model: AudioGimConfig, layout: AudioLayout): AudioGimConfig {
  return resolveAudioConfig([
    { source: 'experiment', values: { ...model, encoder: { ...model.encoder, layout } } },
  ]);
}

async function runMethod(method: AudioMethod, o: ExperimentOptions): Promise<ExperimentRow> {
  const seed = o.model.train.seed;
  const started = performance.now();
  let encoder: FrozenEncoder;
  let release: () => void;
  let config: AudioGimConfig | null = null;
  let trainSteps = 0;
  let checkpoint: string | null = null;
  if (method === 'mfcc') {
    encoder = mfccEncoder();
    release = () => encoder.dispose();
  } else if (method === 'random') {
    config = withLayout(o.model, 'gim-6');
    encoder = layerEncoder(
      new AudioGimModel(config.encoder, config.loss, new Rng(seed)),
      config.encoder,
    );
    release = () => encoder.dispose();
  } else if (method === 'gim' || method === 'cpc') {
    config = withLayout(o.model, method === 'gim' ? 'gim-6' : 'cpc');
    checkpoint = o.checkpointRoot ? `${o.checkpointRoot}/${method}` : null;
    const trainer = await trainInfoMax(config, o, method, checkpoint);
    trainSteps = trainer.step;
    encoder = layerEncoder(trainer.model, config.encoder);
    release = () => trainer.dispose();
  } else {
    config = withLayout(o.model, method === 'supervised' ? 'cpc' : 'gim-6');
    const model = await trainSupervised(config, o, method);
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
      modules,
    };
  } finally {
    release();
  }
}

/** Trains GIM or CPC on the corpus (checkpointing into `checkpoint` when given). */
async function trainInfoMax(
  config: AudioGimConfig,
  o: ExperimentOptions,
  method: AudioMethod,
  checkpoint: string | null,
): Promise<AudioTrainer> {
  const trainer = AudioTrainer.create(
    config,
    new CorpusSource(o.corpus, config.train.batchSize, o.model.train.seed + 2),
  );
  await trainer.run(checkpoint, {
    onStep: (r: StepRecord) => {
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
  return trainer;
}

async function trainSupervised(
  config: AudioGimConfig,
  o: ExperimentOptions,
  method: AudioMethod,
): Promise<SupervisedAudioModel> {
  const { steps, learningRate } = o.settings.supervised;
  const model = new SupervisedAudioModel(
    config.encoder,
    o.corpus.speakers.length,
    learningRate,
    config.train.seed,
  );
  const rng = new Rng(config.train.seed + 2);
  let step = 0;
  while (step < steps) {
    let any = false;
    for await (const batch of o.corpus.epoch('train', config.train.batchSize, rng)) {
      any = true;
      const stats = model.trainStep(batch.audio, batch.speaker, batch.windowSamples, rng);
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
  return model;
}
