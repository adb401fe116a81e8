/**
 * The checkpoint meta every Trainer writes, and the one place that checks a checkpoint's kind
 * and reads its config (for --resume, --add-module, `gim eval` and `gim info`).
 */
import type { CollapseState } from './collapse.js';
import { CheckpointError } from '../errors.js';
import { checkpointPath, loadCheckpoint, type CheckpointContents } from './checkpoint.js';
import type { Modality, StackModel, TrainableConfig } from './modality.js';
import { unpackModules } from './module-state.js';

/** Where a run stands in its schedule (saved in checkpoints). */
export interface ScheduleState {
  /** Modules below this index are frozen: run forward only, never updated. */
  readonly frozenBelow: number;
  /** 'sequential': steps taken by the module now training. */
  readonly stepsInModule: number;
  /** 'sequential': exponential moving average of its loss (NaN before the first step). */
  readonly smoothedLoss: number;
}

export const START_OF_SCHEDULE: ScheduleState = {
  frozenBelow: 0,
  stepsInModule: 0,
  smoothedLoss: Number.NaN,
};

/**
 * Checkpoint meta. Vision checkpoints written before the shared Trainer (commit 159d966) have
 * no `schedule` and `cache` (they could only train simultaneously): they read as the start of
 * the schedule without a cache. Their config lacks the schedule/cache fields; resolving it
 * fills in the defaults, which are the behaviour they were trained with.
 */
export interface TrainerCheckpointMeta<C> {
  readonly kind: string;
  readonly config: C;
  readonly step: number;
  readonly rng: number[];
  readonly optimizerSteps: number[];
  readonly data: unknown;
  readonly schedule?: ScheduleState | null;
  readonly cache?: unknown;
  /** The collapse watch (absent in checkpoints written before it existed). */
  readonly collapse?: CollapseState;
}

/** The checkpoint in `dir`, refused (CheckpointError) unless it holds `kind`. */
export function loadCheckpointOfKind<C>(
  dir: string,
  kind: string,
): CheckpointContents<TrainerCheckpointMeta<C>> {
  const ckpt = loadCheckpoint<TrainerCheckpointMeta<C>>(dir);
  if (ckpt.meta.kind !== kind)
    throw new CheckpointError(
      checkpointPath(dir),
      `holds a ${JSON.stringify(ckpt.meta.kind)} model, expected ${JSON.stringify(kind)}`,
    );
  return ckpt;
}

/** The resolved config stored in a checkpoint (defaults filled in for fields added since). */
export function readTrainedConfig<C extends TrainableConfig, M extends StackModel, S>(
  modality: Modality<C, M, S>,
  dir: string,
): C {
  const meta = loadCheckpointOfKind<C>(dir, modality.checkpointKind).meta;
  return modality.resolveConfig([{ source: `checkpoint ${dir}`, values: meta.config }]);
}

/** A trained model and its config, for evaluation (no optimiser state). */
export function loadTrainedModel<C extends TrainableConfig, M extends StackModel, S>(
  modality: Modality<C, M, S>,
  dir: string,
): { config: C; model: M; step: number } {
  const ckpt = loadCheckpointOfKind<C>(dir, modality.checkpointKind);
  const config = modality.resolveConfig([
    { source: `checkpoint ${dir}`, values: ckpt.meta.config },
  ]);
  const model = modality.buildModel(config);
  unpackModules(dir, ckpt.tensors, model.modules);
  return { config, model, step: ckpt.meta.step };
}
