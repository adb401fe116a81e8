/**
 * STL-10 binary reader (stl10_binary/{train,test,unlabeled}_X.bin, {train,test}_y.bin).
 *
 * The files have no header. Each image is 3 planes (R, G, B) of 96x96 uint8, each plane stored
 * column-major: the byte of (row r, col c, channel k, image i) is at i*27648 + k*9216 + c*96 + r.
 * torchvision transposes this; so must we. Labels are one uint8 per image, 1..10.
 *
 * Images are read by offset with fs.readSync: unlabeled_X.bin is 2.76 GB and readFileSync
 * refuses files over 2 GiB, and holding it all is wasteful anyway.
 */

import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { checkIndex, outputBuffer, type ImageSet } from './image-set.js';

export const STL10_SIZE = 96;
export const STL10_IMAGE_BYTES = 3 * STL10_SIZE * STL10_SIZE; // 27648
export const STL10_CLASS_NAMES: readonly string[] = Object.freeze([
  'airplane',
  'bird',
  'car',
  'cat',
  'deer',
  'dog',
  'horse',
  'monkey',
  'ship',
  'truck',
]);

export type Stl10Split = 'train' | 'test' | 'unlabeled';

/**
 * The folder holding the .bin files: `root/stl10_binary` if it exists (the reference's
 * `--data_input_dir` layout), else `root` itself.
 */
export function stl10Dir(root: string): string {
  const nested = join(root, 'stl10_binary');
  return existsSync(join(nested, 'train_X.bin')) || existsSync(join(nested, 'unlabeled_X.bin'))
    ? nested
    : root;
}

/** Opens one STL-10 split. Labels are returned 0-based; the unlabeled split has label -1. */
export function openStl10(root: string, split: Stl10Split): ImageSet {
  const dir = stl10Dir(root);
  const xPath = join(dir, `${split}_X.bin`);
  if (!existsSync(xPath)) {
    throw new DataError(
      xPath,
      `STL-10 image file not found (expected stl10_binary/${split}_X.bin under ${root}; ` +
        'see docs/vision-data.md for how to get STL-10)',
    );
  }
  const labels = split === 'unlabeled' ? undefined : readStl10Labels(join(dir, `${split}_y.bin`));
  const image = openImageFile(xPath);
  const count = image.count;
  let fd = image.fd; // -1 once closed
  if (labels !== undefined && labels.length !== count) {
    closeSync(fd);
    throw new DataError(
      join(dir, `${split}_y.bin`),
      `has ${labels.length} labels, expected one per image of ${xPath} (${count})`,
    );
  }
  // One raw buffer reused across reads; the caller's output buffer receives the transpose.
  const raw = new Uint8Array(STL10_IMAGE_BYTES);
  const set: ImageSet = {
    name: `stl10/${split}`,
    count,
    height: STL10_SIZE,
    width: STL10_SIZE,
    channels: 3,
    classes: labels === undefined ? 0 : STL10_CLASS_NAMES.length,
    label(i) {
      checkIndex(set, i);
      return labels === undefined ? -1 : labels[i]!;
    },
    readImage(i, out) {
      checkIndex(set, i);
      if (fd < 0) throw new DataError(xPath, 'read after close()');
      const buf = outputBuffer(set, out);
      const got = readSync(fd, raw, 0, STL10_IMAGE_BYTES, i * STL10_IMAGE_BYTES);
      if (got !== STL10_IMAGE_BYTES) {
        throw new DataError(
          xPath,
          `short read of image ${i}: ${got} of ${STL10_IMAGE_BYTES} bytes`,
        );
      }
      columnMajorToHwc(raw, buf);
      return buf;
    },
    close() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
  return set;
}

/** Opens the image file and counts its images; a size that is not whole images is an error. */
function openImageFile(xPath: string): { fd: number; count: number } {
  let fd: number;
  let size: number;
  try {
    fd = openSync(xPath, 'r');
    size = fstatSync(fd).size;
  } catch (e) {
    throw new DataError(xPath, `cannot read: ${(e as Error).message}`);
  }
  if (size === 0 || size % STL10_IMAGE_BYTES !== 0) {
    closeSync(fd);
    throw new DataError(
      xPath,
      `size ${size} bytes is not a positive multiple of ${STL10_IMAGE_BYTES}: expected whole ` +
        `3x96x96 uint8 images`,
    );
  }
  return { fd, count: size / STL10_IMAGE_BYTES };
}

/** One image's column-major planes -> HWC: source (k, c, r) -> destination (r, c, k). */
function columnMajorToHwc(raw: Uint8Array, buf: Uint8Array): void {
  const plane = STL10_SIZE * STL10_SIZE;
  for (let k = 0; k < 3; k++) {
    for (let c = 0; c < STL10_SIZE; c++) {
      const src = k * plane + c * STL10_SIZE;
      for (let r = 0; r < STL10_SIZE; r++) buf[(r * STL10_SIZE + c) * 3 + k] = raw[src + r]!;
    }
  }
}

/** Reads a `*_y.bin` label file (uint8, 1..10) and returns 0-based labels. */
export function readStl10Labels(path: string): Int32Array {
  if (!existsSync(path)) throw new DataError(path, 'STL-10 label file not found');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(path, `cannot read: ${(e as Error).message}`);
  }
  const labels = new Int32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const v = bytes[i]!;
    if (v < 1 || v > STL10_CLASS_NAMES.length) {
      throw new DataError(path, `label ${i} is ${v}, expected 1..${STL10_CLASS_NAMES.length}`);
    }
    labels[i] = v - 1;
  }
  return labels;
}

/**
 * Reads `fold_indices.txt`: 10 lines of space-separated 0-based indices into the train split
 * (the STL-10 authors' 1000-image training folds). Not used by GIM, offered for completeness.
 */
export function readStl10Folds(root: string, trainCount = 5000): Int32Array[] {
  const path = join(stl10Dir(root), 'fold_indices.txt');
  if (!existsSync(path)) throw new DataError(path, 'STL-10 fold file not found');
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.map((line, f) => {
    const words = line.split(/\s+/);
    for (const w of words) {
      const v = Number(w);
      if (!Number.isInteger(v) || v < 0 || v >= trainCount) {
        throw new DataError(
          path,
          `fold ${f} holds "${w}", expected integers in [0, ${trainCount})`,
        );
      }
    }
    return Int32Array.from(words, Number);
  });
}
