/**
 * Training of vision GIM (and of the CPC / supervised baselines, which are the same model with
 * another layout or head): the shared Trainer (src/core/trainer.ts) over the vision modality,
 * with every schedule, the activation cache, --add-module and exact resume.
 */
import { Trainer, type ResumeOptions } from '../core/trainer.js';
import { loadTrainedModel, readTrainedConfig } from '../core/trainer-checkpoint.js';
import { visionModality } from './modality.js';
import type { VisionGimModel } from './model.js';
import type { VisionGimConfig } from './config.js';
import type { VisionBatchSource } from './data.js';

export type { StepRecord, TrainCallbacks } from '../core/trainer.js';
export { VISION_CHECKPOINT_KIND, buildVisionModel } from './modality.js';

export type VisionTrainer = Trainer<VisionGimConfig, VisionGimModel, VisionBatchSource>;

export const VisionTrainer = {
  /** `backend` names the backend in out-of-memory messages. */
  create: (
    config: VisionGimConfig,
    source: VisionBatchSource,
    backend = 'unknown',
  ): VisionTrainer => Trainer.create(visionModality(backend), config, source),
  /** Rebuild a trainer from `dir`; `config` must equal the checkpoint's except for resumable fields. */
  resume: (
    dir: string,
    config: VisionGimConfig,
    source: VisionBatchSource,
    backend = 'unknown',
    options: ResumeOptions = {},
  ): Promise<VisionTrainer> =>
    Trainer.resume(visionModality(backend), dir, config, source, options),
};

/** A trained model and its config, loaded from a checkpoint for evaluation (no optimiser state). */
export function loadVisionModel(dir: string): {
  config: VisionGimConfig;
  model: VisionGimModel;
  step: number;
} {
  return loadTrainedModel(visionModality(), dir);
}

/** Read only the resolved config stored in a checkpoint (for `--resume`). */
export function readVisionCheckpointConfig(dir: string): VisionGimConfig {
  return readTrainedConfig(visionModality(), dir);
}
