/** Public API of greedy-infomax: re-exports only. */
export { initBackend, availableBackends, BACKEND_NAMES } from './backend/select.js';
export type { BackendName, ActiveBackend } from './backend/select.js';
export { Rng } from './backend/random.js';
export * from './errors.js';

export { DEFAULT_AUDIO_CONFIG, AUDIO_LAYOUTS, resolveAudioConfig, encoderLengths } from './gim/audio-config.js';
export type { AudioGimConfig, AudioEncoderConfig, AudioLayout, AudioTrainConfig, AudioDataConfig } from './gim/audio-config.js';
export { AudioGimModel, AudioGimModule, audioModuleSpecs } from './gim/audio-model.js';
export { AudioTrainer, readCheckpointConfig } from './gim/audio-trainer.js';
export type { StepRecord, TrainCallbacks } from './gim/audio-trainer.js';
export { ToneSource, CorpusSource } from './gim/audio-batches.js';
export type { AudioBatchSource } from './gim/audio-batches.js';
export { trainModuleStep, trainStackStep } from './gim/train-step.js';
export type { IsolatedModule } from './gim/train-step.js';
export { saveCheckpoint, loadCheckpoint } from './gim/checkpoint.js';
export { loadPreset, presetNames } from './config/presets.js';

export { SequenceInfoNce, infoNceWithDraw } from './losses/info-nce.js';
export type { InfoNceConfig } from './losses/info-nce.js';
export { drawNegatives, NEGATIVE_SAMPLING_METHODS } from './losses/negatives.js';
export type { NegativeSampling } from './losses/negatives.js';

export { Conv1d } from './nn/conv1d.js';
export { Linear } from './nn/linear.js';
export { Gru } from './nn/gru.js';
export { Adam } from './nn/adam.js';
export { BaseModule, parameterCount } from './nn/module.js';
export type { Module } from './nn/module.js';

export * from './data/audio/index.js';
export * from './data/images/index.js';
