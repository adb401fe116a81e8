/** Public API of greedy-infomax: re-exports only. */
export { initBackend, BACKEND_NAMES } from './backend/select.js';
export type { BackendName, ActiveBackend } from './backend/select.js';
export { Rng } from './backend/random.js';
export * from './errors.js';

export {
  DEFAULT_AUDIO_CONFIG,
  AUDIO_LAYOUTS,
  resolveAudioConfig,
  encoderLengths,
} from './audio/config.js';
export type {
  AudioGimConfig,
  AudioEncoderConfig,
  AudioLayout,
  AudioTrainConfig,
  AudioDataConfig,
} from './audio/config.js';
export { AudioGimModel, AudioGimModule, audioModuleSpecs } from './audio/model.js';
export { Trainer } from './core/trainer.js';
export type { StepRecord, TrainCallbacks, ResumeOptions, ScheduleState } from './core/trainer.js';
export type { Modality, StackModule, StackModel, InputBatch, PassBatch } from './core/modality.js';
export { readTrainedConfig, loadTrainedModel } from './core/trainer-checkpoint.js';
export { AudioTrainer, readCheckpointConfig } from './audio/trainer.js';
export { audioModality } from './audio/modality.js';
export { ToneSource, CorpusSource } from './audio/batches.js';
export type { AudioBatchSource } from './audio/batches.js';
export { trainModuleStep, trainStackStep } from './core/train-step.js';
export type { IsolatedModule } from './core/train-step.js';
export { saveCheckpoint, loadCheckpoint } from './core/checkpoint.js';
export { loadPreset, presetNames } from './core/config/presets.js';

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

export * from './audio/data/index.js';
export * from './vision/data/index.js';

export { trainLinearProbe, LinearProbe } from './probe/linear-probe.js';
export { softmaxCrossEntropy } from './losses/cross-entropy.js';
export { featureScale, standardized } from './probe/standardize.js';
export type { FeatureScale } from './probe/standardize.js';
export type { FeatureSet, ProbeOptions, ProbeResult } from './probe/linear-probe.js';
export { classificationReport } from './probe/metrics.js';
export type { ClassificationReport, ConfusedPair } from './probe/metrics.js';
export { modelEncoder, layerEncoder, mfccEncoder, loadAudioModel } from './audio/encoders.js';
export type { FrozenEncoder, FeatureBlock } from './audio/encoders.js';
export {
  evaluateEncoder,
  resolveProbeSettings,
  DEFAULT_PROBE_SETTINGS,
  PROBE_KINDS,
} from './audio/probes.js';
export type { ProbeSettings, ModuleProbes, ProbeKind } from './audio/probes.js';
export {
  runAudioExperiment,
  resolveExperimentSettings,
  AUDIO_METHODS,
  DEFAULT_EXPERIMENT_SETTINGS,
} from './audio/experiment.js';
export type {
  AudioMethod,
  ExperimentRow,
  ExperimentSettings,
  ExperimentEvent,
} from './audio/experiment.js';
export { markdownTable, perModuleTable, perModuleSvg, pctWithError } from './audio/report.js';
export { summarizeSeeds, seedSummaryTable, seedPerModuleTable } from './audio/report-seeds.js';
export { curveSvg, summarizeCurves, curveRecords } from './audio/report-curve.js';
export type { CurvePoint } from './audio/experiment.js';
export { CollapseMonitor, infoNceChance, type CollapseWarning } from './core/collapse.js';
export { SupervisedAudioModel, SupervisedAudioModule } from './audio/supervised.js';
export * from './audio/features/index.js';

export {
  DEFAULT_VISION_CONFIG,
  VISION_LAYOUTS,
  resolveVisionConfig,
  visionPipeline,
} from './vision/config.js';
export type { VisionGimConfig, VisionEncoderConfig, VisionLayout } from './vision/config.js';
export {
  VisionGimModel,
  VisionModule,
  GridInfoNceHead,
  PixelCnnInfoNceHead,
  SupervisedHead,
} from './vision/model.js';
export { VisionTrainer, loadVisionModel, buildVisionModel } from './vision/trainer.js';
export { visionModality } from './vision/modality.js';
export { GridInfoNce, gridInfoNceWithDraw } from './losses/grid-info-nce.js';
export { Conv2d } from './nn/conv2d.js';
export { PixelCnn } from './nn/pixel-cnn.js';
export { CacheSource } from './cache/cache-source.js';
export { writeActivationCache, readManifest, readShard } from './cache/activation-cache.js';
export type { CacheManifest } from './cache/activation-cache.js';
