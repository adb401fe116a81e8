/**
 * The common interface of every image source (STL-10, IDX/MNIST-family, in-memory sets).
 * Images come out as HWC uint8 so the transforms (crop, flip, PIL luma) work on the same
 * integers the reference's PIL pipeline sees; floats are made only in the pipeline.
 */

import { ShapeError } from '../../errors.js';

export interface ImageSet {
  /** Number of images. */
  readonly count: number;
  readonly height: number;
  readonly width: number;
  /** 1 (grey) or 3 (RGB), as stored. */
  readonly channels: number;
  /** Number of classes; 0 if the set has no labels. */
  readonly classes: number;
  /** Short name for messages and logs, e.g. "stl10/train". */
  readonly name: string;
  /** 0-based class of image i, or -1 if the set is unlabeled. */
  label(i: number): number;
  /** Image i as HWC uint8 (height*width*channels bytes), written into `out` if given. */
  readImage(i: number, out?: Uint8Array): Uint8Array;
  /** Releases file handles; a no-op for in-memory sets. Idempotent. */
  close(): void;
}

/** Bytes of one image. */
export function imageBytes(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * set.channels;
}

/** Throws RangeError unless 0 <= i < count (an out-of-range index is a caller bug). */
export function checkIndex(set: Pick<ImageSet, 'count' | 'name'>, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= set.count) {
    throw new RangeError(`${set.name}: image index ${i} out of range [0, ${set.count})`);
  }
}

/** Returns `out` if it has the right length, a new buffer if absent; throws on a wrong length. */
export function outputBuffer(set: ImageSet, out: Uint8Array | undefined): Uint8Array {
  const n = imageBytes(set);
  if (out === undefined) return new Uint8Array(n);
  if (out.length !== n) {
    throw new ShapeError(
      `${set.name}: readImage output buffer has ${out.length} bytes, expected ${n}`,
    );
  }
  return out;
}

export interface MemoryImageSetSource {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** All images back to back, each HWC: [count, height, width, channels]. */
  readonly pixels: Uint8Array;
  /** 0-based labels, one per image; omit for an unlabeled set. */
  readonly labels?: Int32Array;
  /** Number of classes; defaults to max(label)+1. */
  readonly classes?: number;
}

/** An ImageSet over pixels already in memory (synthetic data, tests, decoded IDX files). */
export function memoryImageSet(src: MemoryImageSetSource): ImageSet {
  const { name, height, width, channels, pixels, labels } = src;
  const per = height * width * channels;
  if (per <= 0 || pixels.length % per !== 0) {
    throw new ShapeError(
      `${name}: ${pixels.length} pixel bytes is not a multiple of ${height}x${width}x${channels} = ${per}`,
    );
  }
  const count = pixels.length / per;
  if (labels !== undefined && labels.length !== count) {
    throw new ShapeError(`${name}: ${labels.length} labels for ${count} images`);
  }
  let classes = 0;
  if (labels !== undefined) {
    let max = -1;
    for (const l of labels) max = Math.max(max, l);
    classes = src.classes ?? max + 1;
  }
  const set: ImageSet = {
    name,
    count,
    height,
    width,
    channels,
    classes,
    label(i) {
      checkIndex(set, i);
      return labels === undefined ? -1 : labels[i]!;
    },
    readImage(i, out) {
      checkIndex(set, i);
      const buf = outputBuffer(set, out);
      buf.set(pixels.subarray(i * per, (i + 1) * per));
      return buf;
    },
    close() {},
  };
  return set;
}
