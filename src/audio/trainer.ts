/**
 * Training of audio GIM: the shared Trainer (src/core/trainer.ts) over the audio modality, with
 * checkpoints that resume exactly (same losses as an uninterrupted run with the same seed).
 */
import { Trainer, type ResumeOptions } from '../core/trainer.js';
import { readTrainedConfig } from '../core/trainer-checkpoint.js';
import { audioModality } from './modality.js';
import type { AudioGimModel } from './model.js';
import type { AudioGimConfig } from './config.js';
import type { AudioBatchSource } from './batches.js';

export type { StepRecord, TrainCallbacks, ScheduleState, ResumeOptions } from '../core/trainer.js';

export type AudioTrainer = Trainer<AudioGimConfig, AudioGimModel, AudioBatchSource>;

export const AudioTrainer = {
  create: (config: AudioGimConfig, source: AudioBatchSource): AudioTrainer =>
    Trainer.create(audioModality, config, source),
  /**
   * Rebuild a trainer from `dir`; `config` must equal the checkpoint's except for resumable
   * fields. With `addModule`, `config.encoder.depth` must be one more than the checkpoint's.
   */
  resume: (
    dir: string,
    config: AudioGimConfig,
    source: AudioBatchSource,
    options: ResumeOptions = {},
  ): Promise<AudioTrainer> => Trainer.resume(audioModality, dir, config, source, options),
};

/** Read only the resolved config stored in a checkpoint (for `--resume` and `gim eval`). */
export function readCheckpointConfig(dir: string): AudioGimConfig {
  return readTrainedConfig(audioModality, dir);
}
