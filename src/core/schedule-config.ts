/**
 * Config fields of the training schedule and the activation cache, the same for every modality:
 * their types, validation rules and the consistency checks that need the module count.
 */
import { ConfigError } from '../errors.js';
import { rules, type Rules } from './config/merge.js';

export interface ScheduleConfig {
  /** Examples per batch. */
  readonly batchSize: number;
  readonly learningRate: number;
  /**
   * Linear learning-rate warm-up over each module's first `warmupSteps` updates (0: none, the
   * reference). Adam's first updates move every weight by about lr whatever its gradient; at a
   * high lr that kills ReLUs for good (docs/results.md, "Collapse").
   */
  readonly warmupSteps: number;
  readonly steps: number;
  readonly seed: number;
  readonly logEvery: number;
  /** Save a checkpoint every this many steps (0: only at the end). */
  readonly checkpointEvery: number;
  /**
   * 'simultaneous': every module steps on every batch (the paper's default);
   * 'sequential': one module at a time for `stepsPerModule` steps (or until its smoothed loss
   * reaches `lossTarget`), then it is frozen and the next module trains on its outputs.
   */
  readonly schedule: 'simultaneous' | 'sequential';
  /** 'simultaneous': module m steps every updatePeriods[m] batches ([]: every batch). */
  readonly updatePeriods: readonly number[];
  /** 'sequential': step budget per module (0: train.steps divided evenly). */
  readonly stepsPerModule: number;
  /** 'sequential': move on early when the module's smoothed loss falls below this (0: off). */
  readonly lossTarget: number;
  /** Record the step's peak tensor memory (tf.profile) every this many steps (0: never). */
  readonly peakMemoryEvery: number;
}

/** Activation cache for the 'sequential' schedule (see src/cache/activation-cache.ts). */
export interface CacheConfig {
  /** Train each module after the first from its predecessor's stored outputs. */
  readonly enabled: boolean;
  /** Cache folder ('' = <run dir>/cache). */
  readonly dir: string;
  /** Storage precision: float16 halves the disk space. */
  readonly dtype: 'float32' | 'float16';
  /** Items per shard file (one shard is in memory at a time). */
  readonly shardItems: number;
}

/** The reference's training defaults (lr 2e-4, seed 2) with the simultaneous schedule. */
export const DEFAULT_SCHEDULE: ScheduleConfig = {
  batchSize: 8,
  learningRate: 2e-4,
  warmupSteps: 0,
  steps: 1000,
  seed: 2,
  logEvery: 1,
  checkpointEvery: 0,
  schedule: 'simultaneous',
  updatePeriods: [],
  stepsPerModule: 0,
  lossTarget: 0,
  peakMemoryEvery: 0,
};

/**
 * Schedule fields that may change when a run is resumed: they decide how long and how often, not
 * what the model or the data are.
 */
export const SCHEDULE_RESUMABLE_FIELDS: readonly string[] = [
  'train.peakMemoryEvery',
  'train.steps',
  'train.logEvery',
  'train.checkpointEvery',
  'train.stepsPerModule',
  'train.lossTarget',
];

export const SCHEDULE_RULES: Rules = {
  'train.schedule': rules.oneOf('simultaneous', 'sequential'),
  'train.updatePeriods': rules.nonNegativeInts,
  'train.stepsPerModule': rules.nonNegativeInt,
  'train.warmupSteps': rules.nonNegativeInt,
  'train.peakMemoryEvery': rules.nonNegativeInt,
  'train.lossTarget': (v) =>
    typeof v === 'number' && v >= 0 && Number.isFinite(v) ? null : 'a finite number >= 0',
  'cache.enabled': (v) => (typeof v === 'boolean' ? null : 'true or false'),
  'cache.dtype': rules.oneOf('float32', 'float16'),
  'cache.shardItems': rules.positiveInt,
};

/** Checks that need the number of modules built (`depth` ≤ `layoutDepth`, `0` = all). */
export function checkScheduleConsistency(
  config: { readonly train: ScheduleConfig; readonly cache: CacheConfig },
  depth: number,
  layoutDepth: number,
  layoutName: string,
): void {
  if (depth > layoutDepth) {
    throw new ConfigError(
      'encoder.depth',
      `at most ${layoutDepth} (the modules of layout ${layoutName}), or 0 for all`,
      depth,
    );
  }
  const built = depth || layoutDepth;
  const periods = config.train.updatePeriods;
  if (periods.length > 0 && (periods.length !== built || periods.some((p) => p < 1))) {
    throw new ConfigError(
      'train.updatePeriods',
      `[] or ${built} periods >= 1 (one per module)`,
      periods,
    );
  }
  if (config.cache.enabled && config.train.schedule !== 'sequential') {
    throw new ConfigError(
      'cache.enabled',
      "train.schedule 'sequential' (a module's outputs are cached once it is frozen)",
      `schedule ${JSON.stringify(config.train.schedule)}`,
    );
  }
}

/**
 * A fresh sequential run whose `train.steps` ends before every module got its `stepsPerModule`:
 * the modules past the budget would not train at all (legitimate when the run is to be resumed
 * with more steps, so the CLI says it rather than refusing). Null when every module trains.
 */
export function sequentialShortfall(
  train: ScheduleConfig,
  modules: number,
): { readonly trainedModules: number; readonly stepsNeeded: number } | null {
  if (train.schedule !== 'sequential' || train.stepsPerModule === 0 || train.lossTarget > 0)
    return null;
  const stepsNeeded = modules * train.stepsPerModule;
  if (train.steps >= stepsNeeded) return null;
  return { trainedModules: Math.ceil(train.steps / train.stepsPerModule), stepsNeeded };
}
