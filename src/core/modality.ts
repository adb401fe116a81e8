/**
 * What the one Trainer (trainer.ts) needs to know about a modality (audio, vision): how its
 * config resolves, how its model is built, where its batches come from and how its module
 * outputs are laid out as activation-cache items. Everything else (schedules, update periods,
 * --add-module, the activation cache, checkpoints and exact resume, divergence checks, Ctrl-C)
 * is the Trainer's and the same for both.
 */
import type { Tensor } from '../backend/tf.js';
import type { IsolatedModule } from './train-step.js';
import type { ScheduleConfig, CacheConfig } from './schedule-config.js';
import type { ChanceLevel } from './collapse.js';

/** A module of a gradient-isolated stack that can also run frozen (forward only, no loss). */
export interface StackModule extends IsolatedModule {
  /** Output for the module above, as a fresh tensor the caller owns. */
  encode(x: Tensor): Tensor;
}

export interface StackModel {
  readonly modules: readonly StackModule[];
  dispose(): void;
}

/** The part of a modality's config the Trainer reads. */
export interface TrainableConfig {
  readonly train: ScheduleConfig;
  readonly cache: CacheConfig;
}

/** One training batch as the first module's input. */
export interface InputBatch {
  readonly values: Float32Array;
  /** Tensor shape of `values` (e.g. audio [B, T, 1], vision patches [B·G·G, p, p, C]). */
  readonly shape: readonly number[];
  /** Class labels per example, for supervised objectives. */
  readonly labels?: Int32Array;
}

/** Items of the finite pass that the first activation cache is built from. */
export interface PassBatch {
  /** `count` items back to back, each of the modality's raw item shape. */
  readonly values: Float32Array;
  readonly count: number;
  /** Per item: class label (audio: speaker; vision: image class), −1 when there is none. */
  readonly label: Int32Array;
  /** Per item: where it comes from (audio: window start sample; vision: image index), or −1. */
  readonly position: Int32Array;
}

export interface Modality<C extends TrainableConfig, M extends StackModel, S> {
  /** 'audio' | 'vision', for messages. */
  readonly name: string;
  /** `meta.kind` of the checkpoints this modality writes. */
  readonly checkpointKind: string;
  /** Config fields that may differ when resuming (they change neither the model nor the data). */
  readonly resumableFields: ReadonlySet<string>;
  /** Merge config layers over the modality's defaults and validate them. */
  resolveConfig(layers: readonly { source: string; values: unknown }[]): C;
  /** Modules the config builds. */
  depth(config: C): number;
  /** Modules of the whole layout (the most `--add-module` can grow to). */
  layoutDepth(config: C): number;
  /** The config with `depth` modules built (`encoder.depth`). */
  withDepth(config: C, depth: number): C;
  /** The model, with weights drawn from the config's seed. */
  buildModel(config: C): M;
  nextBatch(source: S, config: C): Promise<InputBatch>;
  /** JSON-serialisable position of the source, and its restoration (exact resume). */
  sourceState(source: S): unknown;
  restoreSource(source: S, state: unknown): Promise<void>;
  /** A finite deterministic pass over the training set, for the first activation cache. */
  finitePass(source: S, config: C): AsyncIterable<PassBatch>;
  /** Items the finite pass yields, when known before it runs (for the cache build's start line). */
  passItems?(source: S, config: C): number | null;
  /** Shape of one raw item of the finite pass (one audio window, one image's patch grid). */
  rawItemShape(config: C): readonly number[];
  /** Module input shape for `count` items of shape `itemShape`. */
  inputShape(count: number, itemShape: readonly number[]): number[];
  /** Shape of one item in a module's output `outputShape` holding `count` items. */
  itemShape(outputShape: readonly number[], count: number): number[];
  /** Where the first cache's items come from and how they were drawn (for its manifest). */
  describePass(config: C): { source: string; sampling: string };
  /** What a module scores by guessing under the config's objective (for the collapse watch). */
  chance?(config: C): ChanceLevel | null;
  /** Labels for supervised heads before a step (no-op for self-supervised objectives). */
  setLabels?(model: M, labels: Int32Array): void;
  /** A clearer error for a failed step (vision: out of memory), or null to rethrow as is. */
  explainStepError?(err: unknown, config: C): Error | null;
}
