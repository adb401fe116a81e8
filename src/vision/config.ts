/**
 * Configuration of vision Greedy InfoMax: encoder (pre-activation ResNet, module layout), the
 * objective (grid InfoNCE, or a supervised head for the baselines), training, data and the linear
 * probe. Defaults are the reference's (spec §3.1–3.7) with Fashion-MNIST as the built-in data.
 */
import { ConfigError } from '../errors.js';
import { deepFreeze, resolveLayers, rules } from '../core/config/merge.js';
import {
  DEFAULT_SCHEDULE,
  SCHEDULE_RULES,
  checkScheduleConsistency,
  type CacheConfig,
  type ScheduleConfig,
} from '../core/schedule-config.js';
import {
  FASHION_MNIST_PIPELINE,
  STL10_GRAY_PIPELINE,
  patchGridSize,
  type ImagePipelineConfig,
} from './data/index.js';
import type { BlockKind } from './encoder.js';

/**
 * - 'gim': one gradient-isolated module per stage (3 for the paper's encoder);
 * - 'cpc': the whole encoder as one module (end-to-end; with InfoNCE a PixelCNN gives the context).
 */
export const VISION_LAYOUTS = ['gim', 'cpc'] as const;
export type VisionLayout = (typeof VISION_LAYOUTS)[number];

export const VISION_OBJECTIVES = ['infonce', 'supervised'] as const;
export type VisionObjective = (typeof VISION_OBJECTIVES)[number];

export interface VisionEncoderConfig {
  /** 'bottleneck' (ResNet-50 style, expansion 4; reference default) or 'basic' (ResNet-34 style). */
  readonly block: BlockKind;
  /** Blocks per stage (reference [3, 4, 6]). */
  readonly blocks: readonly number[];
  /** Planes per stage before the width multiplier (reference [64, 128, 256]). */
  readonly planes: readonly number[];
  /** Stem output channels before the width multiplier (reference 64). */
  readonly stemChannels: number;
  /** Scales stem channels and planes (rounded, at least 1); 1 is the paper model. */
  readonly widthMultiplier: number;
  readonly layout: VisionLayout;
  /** Build only the first `depth` modules of the layout (0: all). `--add-module` grows it by one. */
  readonly depth: number;
}

export interface VisionLossConfig {
  /** 'infonce' (GIM / CPC) or 'supervised' (avg-pool → Linear → cross-entropy per module). */
  readonly objective: VisionObjective;
  /** K (reference 5). */
  readonly predictionSteps: number;
  /** N (reference 16). */
  readonly negativeSamples: number;
  /** Gated layers of the CPC PixelCNN (reference 4). */
  readonly pixelCnnLayers: number;
}

/**
 * Training run and schedule, as for audio (src/core/schedule-config.ts); `batchSize` counts
 * images, whose negatives come from the batch (reference 32 per GPU).
 */
export type VisionTrainConfig = ScheduleConfig;

/** Activation cache for the 'sequential' schedule: per image, the module's patch-grid maps. */
export interface VisionCacheConfig extends CacheConfig {
  /** Passes over the training images, each with a fresh random augmentation. */
  readonly draws: number;
  /** Training images stored per pass (0: the whole set; the paper model's first module stores 1.6 MB per image in float16). */
  readonly images: number;
}

export interface VisionDataConfig {
  /** 'fashion-mnist' (28×28 padded to 32, 8×8 patches) or 'stl10' (grey 64×64 crops, 16×16 patches). */
  readonly source: 'fashion-mnist' | 'stl10';
  /** Dataset directory; '' = the default (Fashion-MNIST's Debian path; STL-10 needs one). */
  readonly dir: string;
}

export interface VisionProbeConfig {
  readonly epochs: number;
  /** Adam learning rate (reference 1e-3). */
  readonly learningRate: number;
  readonly batchSize: number;
  /** Labelled training images used (0 = the whole train split). */
  readonly trainImages: number;
  /** Test images used (0 = the whole test split). */
  readonly testImages: number;
  /** Standardise features per channel before the probe (faster convergence; see probes.ts). */
  readonly standardize: boolean;
  /**
   * Train the probe on randomly flipped images, as the reference's STL-10 transform does (true).
   * Fashion-MNIST's classes are not mirror-symmetric (every shoe faces left): flips cost a raw-pixel
   * probe 7 points there. false is only possible where the crop is fixed (Fashion-MNIST).
   */
  readonly flip: boolean;
}

export interface VisionGimConfig {
  readonly modality: 'vision';
  readonly encoder: VisionEncoderConfig;
  readonly loss: VisionLossConfig;
  readonly train: VisionTrainConfig;
  readonly data: VisionDataConfig;
  readonly probe: VisionProbeConfig;
  readonly cache: VisionCacheConfig;
}

export const DEFAULT_VISION_CONFIG: VisionGimConfig = deepFreeze({
  modality: 'vision',
  encoder: {
    block: 'bottleneck',
    blocks: [3, 4, 6],
    planes: [64, 128, 256],
    stemChannels: 64,
    widthMultiplier: 1,
    layout: 'gim',
    depth: 0,
  },
  loss: { objective: 'infonce', predictionSteps: 5, negativeSamples: 16, pixelCnnLayers: 4 },
  // Reference: 32 images per GPU.
  train: { ...DEFAULT_SCHEDULE, batchSize: 32 },
  data: { source: 'fashion-mnist', dir: '' },
  probe: {
    epochs: 10,
    learningRate: 1e-3,
    batchSize: 32,
    trainImages: 0,
    testImages: 0,
    standardize: true,
    flip: true,
  },
  cache: { enabled: false, dir: '', dtype: 'float16', shardItems: 64, draws: 1, images: 0 },
});

const VISION_RULES = {
  ...SCHEDULE_RULES,
  modality: rules.oneOf('vision'),
  'encoder.depth': rules.nonNegativeInt,
  'cache.draws': rules.positiveInt,
  'cache.images': rules.nonNegativeInt,
  'encoder.block': rules.oneOf('bottleneck', 'basic'),
  'encoder.blocks': rules.positiveInts,
  'encoder.planes': rules.positiveInts,
  'encoder.stemChannels': rules.positiveInt,
  'encoder.widthMultiplier': rules.positive,
  'encoder.layout': rules.oneOf(...VISION_LAYOUTS),
  'loss.objective': rules.oneOf(...VISION_OBJECTIVES),
  'loss.predictionSteps': rules.positiveInt,
  'loss.negativeSamples': rules.positiveInt,
  'loss.pixelCnnLayers': rules.positiveInt,
  'train.batchSize': rules.positiveInt,
  'train.learningRate': rules.positive,
  'train.steps': rules.nonNegativeInt,
  'train.seed': rules.nonNegativeInt,
  'train.logEvery': rules.positiveInt,
  'train.checkpointEvery': rules.nonNegativeInt,
  'data.source': rules.oneOf('fashion-mnist', 'stl10'),
  'probe.epochs': rules.nonNegativeInt,
  'probe.learningRate': rules.positive,
  'probe.batchSize': rules.positiveInt,
  'probe.trainImages': rules.nonNegativeInt,
  'probe.testImages': rules.nonNegativeInt,
  'probe.flip': (v: unknown) => (typeof v === 'boolean' ? null : 'true or false'),
};

/** The image pipeline a data source uses (crop, padding, patch size and stride, normalisation). */
export function visionPipeline(data: VisionDataConfig): ImagePipelineConfig {
  return data.source === 'stl10' ? STL10_GRAY_PIPELINE : FASHION_MNIST_PIPELINE;
}

/** Patches per side of the grid (7 for both built-in pipelines). */
export function visionGridSize(data: VisionDataConfig): number {
  const p = visionPipeline(data);
  return patchGridSize(p.crop, p.patchSize, p.patchStride);
}

/** Stem channels and per-stage planes after the width multiplier. */
export function scaledWidths(encoder: VisionEncoderConfig): { stem: number; planes: number[] } {
  const scale = (n: number): number => Math.max(1, Math.round(n * encoder.widthMultiplier));
  return { stem: scale(encoder.stemChannels), planes: encoder.planes.map(scale) };
}

/** Modules of the whole layout: one per stage for 'gim', one for 'cpc'. */
export function visionLayoutModuleCount(encoder: VisionEncoderConfig): number {
  return encoder.layout === 'cpc' ? 1 : encoder.blocks.length;
}

/** Modules actually built for a config. */
export function visionModuleCount(encoder: VisionEncoderConfig): number {
  return encoder.depth || visionLayoutModuleCount(encoder);
}

export function resolveVisionConfig(
  overrides: readonly { source: string; values: unknown }[] = [],
): VisionGimConfig {
  return resolveLayers(DEFAULT_VISION_CONFIG, VISION_RULES, overrides, checkConsistency);
}

function checkConsistency(config: VisionGimConfig): void {
  const { encoder, loss, data } = config;
  if (encoder.planes.length !== encoder.blocks.length) {
    throw new ConfigError(
      'encoder.planes',
      `${encoder.blocks.length} entries (one per stage in encoder.blocks)`,
      encoder.planes,
    );
  }
  checkScheduleConsistency(config, encoder.depth, visionLayoutModuleCount(encoder), encoder.layout);
  if (data.source === 'stl10' && data.dir === '')
    throw new ConfigError(
      'data.dir',
      'the STL-10 directory (holding stl10_binary/) for data.source "stl10"',
      data.dir,
    );
  const grid = visionGridSize(data);
  if (loss.objective === 'infonce' && loss.predictionSteps + 1 >= grid) {
    throw new ConfigError(
      'loss.predictionSteps',
      `at most ${grid - 2} for a ${grid}×${grid} patch grid (row r predicts row r+k+1)`,
      loss.predictionSteps,
    );
  }
  // Each later stage halves the patch map (stride 2, rounding up); past 1×1 a stage would only
  // repeat on a single pixel, so the depth is bounded by log2(patch) + 1 stages.
  const patch = visionPipeline(data).patchSize;
  if (patch >> (encoder.blocks.length - 1) < 1) {
    throw new ConfigError(
      'encoder.blocks',
      `at most ${Math.floor(Math.log2(patch)) + 1} stages for ${patch}×${patch} patches`,
      encoder.blocks,
    );
  }
}
