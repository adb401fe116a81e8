/**
 * Image preprocessing as in the reference's torchvision pipeline (spec §3.1):
 *   train: zero pad -> RandomCrop(crop) -> RandomHorizontalFlip(0.5) -> [Grayscale] -> ToTensor -> Normalize
 *   eval:  zero pad -> CenterCrop(crop)                               -> [Grayscale] -> ToTensor -> Normalize
 * Cropping, flipping and the PIL luma work on uint8, like PIL; the float steps are done in
 * float32 through a 256-entry table, which reproduces torch's float32 arithmetic bit for bit.
 * Output is channels-last [B, crop, crop, C].
 */

import { ConfigError } from '../../errors.js';
import type { Rng } from '../../backend/random.js';
import { imageBytes, type ImageSet } from './image-set.js';

export interface ImagePipelineConfig {
  /** Side of the square crop fed to the encoder (64 for STL-10's 96x96). */
  readonly crop: number;
  /** Zero pixels added on every side before cropping (0 for STL-10; 2 turns 28x28 into 32x32). */
  readonly pad: number;
  /** Side of the square patches cut by the first module (16 for STL-10). */
  readonly patchSize: number;
  /** Step between patches (8 for STL-10: 50% overlap, a 7x7 grid on a 64x64 crop). */
  readonly patchStride: number;
  /** Convert RGB to one channel with PIL's luma ("L"); ignored for 1-channel sets. */
  readonly grayscale: boolean;
  /** Per output channel, subtracted after scaling to [0, 1]. */
  readonly mean: readonly number[];
  /** Per output channel, divides after subtracting the mean. */
  readonly std: readonly number[];
}

/** The paper setting: grey 64x64 crops of STL-10, 16x16 patches with stride 8 (7x7 grid). */
export const STL10_GRAY_PIPELINE: ImagePipelineConfig = Object.freeze({
  crop: 64,
  pad: 0,
  patchSize: 16,
  patchStride: 8,
  grayscale: true,
  mean: Object.freeze([0.412]),
  std: Object.freeze([0.257]),
});

/** The colour variant (reference default without --grayscale); stats from train + unlabeled. */
export const STL10_COLOR_PIPELINE: ImagePipelineConfig = Object.freeze({
  ...STL10_GRAY_PIPELINE,
  grayscale: false,
  mean: Object.freeze([0.4313, 0.4156, 0.3663]),
  std: Object.freeze([0.2683, 0.261, 0.2687]),
});

/**
 * Fashion-MNIST scaled down from the STL-10 recipe: 28x28 padded to 32x32, 8x8 patches with
 * stride 4, which keeps the 7x7 grid. Mean/std measured on the 60000 unpadded training images
 * (0.286041 / 0.353024, population std; see docs/vision-data.md).
 */
export const FASHION_MNIST_PIPELINE: ImagePipelineConfig = Object.freeze({
  crop: 32,
  pad: 2,
  patchSize: 8,
  patchStride: 4,
  grayscale: true,
  mean: Object.freeze([0.286]),
  std: Object.freeze([0.353]),
});

/** A batch ready to become a tensor: images [B, size, size, C] (channels-last), labels [B]. */
export interface ImageBatch {
  readonly images: Float32Array;
  /** 0-based class per image, -1 for unlabeled images. */
  readonly labels: Int32Array;
  readonly batchSize: number;
  /** Side of each (square) image: the crop. */
  readonly size: number;
  readonly channels: number;
}

/** Where to crop and whether to flip one image. */
export interface CropParams {
  readonly top: number;
  readonly left: number;
  readonly flip: boolean;
}

const SOURCE = 'image pipeline';

/** Channels after the pipeline: 1 with grayscale, else as stored. */
export function outputChannels(cfg: ImagePipelineConfig, setChannels: number): number {
  return cfg.grayscale ? 1 : setChannels;
}

/** Checks the config against a set's geometry; throws ConfigError naming the field. */
export function validatePipeline(
  cfg: ImagePipelineConfig,
  set: Pick<ImageSet, 'height' | 'width' | 'channels' | 'name'>,
): void {
  const posInt = (path: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min)
      throw new ConfigError(path, `an integer >= ${min}`, v, SOURCE);
  };
  posInt('crop', cfg.crop, 1);
  posInt('pad', cfg.pad, 0);
  posInt('patchSize', cfg.patchSize, 1);
  posInt('patchStride', cfg.patchStride, 1);
  const maxCrop = Math.min(set.height, set.width) + 2 * cfg.pad;
  if (cfg.crop > maxCrop) {
    throw new ConfigError(
      'crop',
      `at most ${maxCrop} (${set.name} is ${set.height}x${set.width}, pad ${cfg.pad})`,
      cfg.crop,
      SOURCE,
    );
  }
  if (cfg.grayscale && set.channels !== 1 && set.channels !== 3) {
    throw new ConfigError(
      'grayscale',
      `false for a ${set.channels}-channel set (${set.name})`,
      true,
      SOURCE,
    );
  }
  const c = outputChannels(cfg, set.channels);
  for (const key of ['mean', 'std'] as const) {
    const v = cfg[key];
    if (v.length !== c || v.some((x) => !Number.isFinite(x) || (key === 'std' && x <= 0))) {
      throw new ConfigError(
        key,
        `${c} finite number(s)${key === 'std' ? ' > 0' : ''}, one per output channel`,
        v,
        SOURCE,
      );
    }
  }
}

/** Python's round(): halves go to the even neighbour (used by torchvision's CenterCrop). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Crop position for one image. Train: uniform over all positions in the padded image, then a
 * flip with p = 0.5 (draws: top, left, flip, in that order). Eval: the centre, no flip, no draws.
 */
export function drawCropParams(
  cfg: ImagePipelineConfig,
  height: number,
  width: number,
  rng: Rng,
  train: boolean,
): CropParams {
  const spanY = height + 2 * cfg.pad - cfg.crop;
  const spanX = width + 2 * cfg.pad - cfg.crop;
  if (!train) return { top: roundHalfEven(spanY / 2), left: roundHalfEven(spanX / 2), flip: false };
  const top = rng.int(spanY + 1);
  const left = rng.int(spanX + 1);
  return { top, left, flip: rng.uniform() < 0.5 };
}

/** PIL's RGB -> "L" conversion on uint8 (ITU-R 601-2 luma in 16-bit fixed point, rounded). */
export function lumaPil(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** Per channel, the float32 value torchvision produces for each uint8: (v/255 - mean) / std. */
export function normalisationTable(cfg: ImagePipelineConfig): Float32Array[] {
  return cfg.mean.map((m, c) => {
    const mean = Math.fround(m);
    const std = Math.fround(cfg.std[c]!);
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = Math.fround(Math.fround(v / 255) - mean) / std;
    return t;
  });
}

/**
 * Writes one transformed image (crop x crop x C floats) into `out` at `offset`.
 * `src` is HWC uint8 of height x width x channels; pixels from the padding are 0.
 */
export function transformImage(
  src: Uint8Array,
  height: number,
  width: number,
  channels: number,
  cfg: ImagePipelineConfig,
  params: CropParams,
  table: readonly Float32Array[],
  out: Float32Array,
  offset: number,
): void {
  const size = cfg.crop;
  const luma = cfg.grayscale && channels === 3;
  const outC = luma ? 1 : channels;
  let o = offset;
  for (let y = 0; y < size; y++) {
    const sy = params.top + y - cfg.pad;
    for (let x = 0; x < size; x++) {
      // A flipped crop reads its columns right to left (flip after crop, as torchvision).
      const sx = params.left + (params.flip ? size - 1 - x : x) - cfg.pad;
      const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
      const s = (sy * width + sx) * channels;
      if (luma) {
        out[o++] = table[0]![inside ? lumaPil(src[s]!, src[s + 1]!, src[s + 2]!) : 0]!;
      } else {
        for (let c = 0; c < outC; c++) out[o++] = table[c]![inside ? src[s + c]! : 0]!;
      }
    }
  }
}

/**
 * Reads images `indices` of `set` and transforms them: train = random crop + flip (drawing from
 * `rng`), eval = centre crop. Returns channels-last floats [B, crop, crop, C] and labels [B].
 */
export function makeImageBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  cfg: ImagePipelineConfig,
  rng: Rng,
  train: boolean,
): ImageBatch {
  validatePipeline(cfg, set);
  const batchSize = indices.length;
  const channels = outputChannels(cfg, set.channels);
  const per = cfg.crop * cfg.crop * channels;
  const images = new Float32Array(batchSize * per);
  const labels = new Int32Array(batchSize);
  const table = normalisationTable(cfg);
  const buf = new Uint8Array(imageBytes(set));
  for (let b = 0; b < batchSize; b++) {
    const i = indices[b]!;
    set.readImage(i, buf);
    labels[b] = set.label(i);
    const params = drawCropParams(cfg, set.height, set.width, rng, train);
    transformImage(buf, set.height, set.width, set.channels, cfg, params, table, images, b * per);
  }
  return { images, labels, batchSize, size: cfg.crop, channels };
}
