/**
 * Configuration of audio Greedy InfoMax: the model (encoder + module layout), the InfoNCE loss,
 * the training run and the data. Defaults are the reference's (spec §2.2–2.5).
 */
import type { InfoNceConfig } from '../losses/info-nce.js';
import { NEGATIVE_SAMPLING_METHODS } from '../losses/negatives.js';
import { ConfigError } from '../errors.js';
import { deepFreeze, resolveLayers, rules } from '../core/config/merge.js';
import {
  DEFAULT_SCHEDULE,
  SCHEDULE_RULES,
  checkScheduleConsistency,
  type CacheConfig,
  type ScheduleConfig,
} from '../core/schedule-config.js';

/**
 * How the encoder is cut into gradient-isolated modules (reference `--model_splits`):
 * - 'gim-6': each conv layer alone, then the GRU alone (GIM as in the paper; default);
 * - 'gim-5': conv1..conv4 alone, then conv5 trained together with the GRU;
 * - 'cpc': one module, all convs and the GRU trained end to end (the CPC baseline).
 */
export const AUDIO_LAYOUTS = ['gim-6', 'gim-5', 'cpc'] as const;
export type AudioLayout = (typeof AUDIO_LAYOUTS)[number];

export interface AudioEncoderConfig {
  /** Channels of every conv layer (512 in the paper). */
  readonly channels: number;
  /** Kernel size of each strided conv. */
  readonly kernels: readonly number[];
  /** Stride of each conv (product = samples per output frame; 160 = 10 ms at 16 kHz). */
  readonly strides: readonly number[];
  /** Zero padding on each side, per conv (as in PyTorch). */
  readonly paddings: readonly number[];
  /** Hidden units of the GRU autoregressor (256 in the paper). */
  readonly gruHidden: number;
  /** Module layout; see AUDIO_LAYOUTS. */
  readonly layout: AudioLayout;
  /** Build only the first `depth` modules of the layout (0: all). `--add-module` grows it by one. */
  readonly depth: number;
}

/**
 * Training and schedule fields, shared with vision (core/schedule-config.ts). For audio a batch
 * counts sequences (reference: 8 per GPU), the reference learning rate is 2e-4 and its seed 2.
 */
export type AudioTrainConfig = ScheduleConfig;

export interface AudioDataConfig {
  /** 'tones': generated harmonic-tone waveforms (no files needed); 'librispeech': a corpus directory in LibriSpeech layout. */
  readonly source: 'tones' | 'librispeech';
  /** Corpus directory for 'librispeech' (real LibriSpeech or `gim data synth-speech` output). */
  readonly dir: string;
  /** Samples per training window (20480 = 1.28 s at 16 kHz). */
  readonly windowSamples: number;
  /**
   * Stop at the first unreadable or inconsistent utterance (corrupt audio, labels that do not fit)
   * instead of skipping it with a count in the log (the default).
   */
  readonly strict: boolean;
}

/** Activation cache for the 'sequential' schedule: the shared fields, plus how audio fills it. */
export interface AudioCacheConfig extends CacheConfig {
  /** Random windows stored per training utterance (the reference draws a new one every epoch). */
  readonly draws: number;
  /** Windows stored when training on generated tones (which have no finite training set). */
  readonly toneItems: number;
}

export interface AudioGimConfig {
  readonly modality: 'audio';
  readonly encoder: AudioEncoderConfig;
  readonly loss: InfoNceConfig;
  readonly train: AudioTrainConfig;
  readonly data: AudioDataConfig;
  readonly cache: AudioCacheConfig;
}

export const DEFAULT_AUDIO_CONFIG: AudioGimConfig = deepFreeze({
  modality: 'audio',
  encoder: {
    channels: 512,
    kernels: [10, 8, 4, 4, 4],
    strides: [5, 4, 2, 2, 2],
    paddings: [2, 2, 2, 2, 1],
    gruHidden: 256,
    layout: 'gim-6',
    depth: 0,
  },
  loss: {
    predictionSteps: 12,
    negativeSamples: 10,
    sampling: 'batch-permutation',
    subsampleWindow: 128,
  },
  train: { ...DEFAULT_SCHEDULE, batchSize: 8, peakMemoryEvery: 10 },
  data: { source: 'tones', dir: '', windowSamples: 20480, strict: false },
  cache: { enabled: false, dir: '', dtype: 'float16', draws: 1, shardItems: 256, toneItems: 512 },
});

const AUDIO_RULES = {
  modality: rules.oneOf('audio'),
  'encoder.channels': rules.positiveInt,
  'encoder.kernels': rules.positiveInts,
  'encoder.strides': rules.positiveInts,
  'encoder.paddings': rules.nonNegativeInts,
  'encoder.gruHidden': rules.positiveInt,
  'encoder.layout': rules.oneOf(...AUDIO_LAYOUTS),
  'encoder.depth': rules.nonNegativeInt,
  ...SCHEDULE_RULES,
  'loss.predictionSteps': rules.positiveInt,
  'loss.negativeSamples': rules.positiveInt,
  'loss.sampling': rules.oneOf(...NEGATIVE_SAMPLING_METHODS),
  'loss.subsampleWindow': rules.nonNegativeInt,
  'train.batchSize': rules.positiveInt,
  'train.learningRate': rules.positive,
  'train.steps': rules.nonNegativeInt,
  'train.seed': rules.nonNegativeInt,
  'train.logEvery': rules.positiveInt,
  'train.checkpointEvery': rules.nonNegativeInt,
  'data.source': rules.oneOf('tones', 'librispeech'),
  'data.windowSamples': rules.positiveInt,
  'data.strict': (v: unknown) => (typeof v === 'boolean' ? null : 'true or false'),
  'cache.draws': rules.positiveInt,
  'cache.toneItems': rules.positiveInt,
};

/** Modules in a layout with `convLayers` convs (before `depth` trims it). */
export function layoutModuleCount(layout: AudioLayout, convLayers: number): number {
  return layout === 'cpc' ? 1 : layout === 'gim-5' ? convLayers : convLayers + 1;
}

/** Modules actually built for a config. */
export function moduleCount(encoder: AudioEncoderConfig): number {
  return encoder.depth || layoutModuleCount(encoder.layout, encoder.kernels.length);
}

/** Output length of every conv layer for a window of `samples` (PyTorch's formula). */
export function encoderLengths(encoder: AudioEncoderConfig, samples: number): number[] {
  const lengths: number[] = [];
  let length = samples;
  encoder.kernels.forEach((k, i) => {
    length = Math.floor((length + 2 * encoder.paddings[i]! - k) / encoder.strides[i]!) + 1;
    lengths.push(length);
  });
  return lengths;
}

/** Merge overrides into the defaults, validate once, freeze. */
export function resolveAudioConfig(
  overrides: readonly { source: string; values: unknown }[] = [],
): AudioGimConfig {
  return resolveLayers(DEFAULT_AUDIO_CONFIG, AUDIO_RULES, overrides, checkConsistency);
}

function checkConsistency(config: AudioGimConfig): void {
  const { encoder, loss, data } = config;
  const layers = encoder.kernels.length;
  if (encoder.strides.length !== layers || encoder.paddings.length !== layers) {
    throw new ConfigError(
      'encoder.strides/paddings',
      `${layers} entries each (one per kernel)`,
      `${encoder.strides.length} strides and ${encoder.paddings.length} paddings`,
    );
  }
  const layoutDepth = layoutModuleCount(encoder.layout, layers);
  checkScheduleConsistency(config, encoder.depth, layoutDepth, encoder.layout);
  if (encoder.layout === 'gim-5' && layers < 2)
    throw new ConfigError('encoder.layout', 'at least 2 conv layers for gim-5', layers);
  const lengths = encoderLengths(encoder, data.windowSamples);
  const finalLength = lengths[lengths.length - 1]!;
  if (lengths.some((l) => l < 1)) {
    const total = encoder.strides.reduce((a, b) => a * b, 1);
    throw new ConfigError(
      'data.windowSamples',
      `a window long enough for the encoder (at least about ${total * 2} samples)`,
      data.windowSamples,
    );
  }
  // Every module scores positives on its own sequence (or a subsample window of it); the shortest
  // is the last conv's output. K must leave at least one positive there.
  const scored =
    loss.subsampleWindow > 0 ? Math.min(finalLength, loss.subsampleWindow) : finalLength;
  if (loss.predictionSteps >= scored) {
    throw new ConfigError(
      'loss.predictionSteps',
      `fewer than the ${scored} steps the encoder produces for data.windowSamples = ${data.windowSamples}`,
      loss.predictionSteps,
    );
  }
}
