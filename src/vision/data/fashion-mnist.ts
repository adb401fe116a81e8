/**
 * Fashion-MNIST (Zalando, MIT), the built-in real image set: Debian's `dataset-fashion-mnist`
 * installs the four gzipped IDX files under /usr/share/datasets/fashion-mnist/.
 * 60000 train + 10000 test, 28x28 grey, 10 balanced classes.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import type { ImageSet } from './image-set.js';
import { openIdx } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** File stems in the upstream naming (the Debian package keeps it). */
const STEMS = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** Paths of one split's image and label files in `dir`, preferring `.gz`, else raw. */
export function fashionMnistFiles(
  split: 'train' | 'test',
  dir: string = FASHION_MNIST_DIR,
): { images: string; labels: string } {
  const pick = (stem: string): string => {
    const gz = join(dir, `${stem}.gz`);
    if (existsSync(gz)) return gz;
    const raw = join(dir, stem);
    if (existsSync(raw)) return raw;
    throw new DataError(
      gz,
      `Fashion-MNIST file not found (nor ${stem} uncompressed). ` +
        (dir === FASHION_MNIST_DIR
          ? 'Install it with: apt-get install dataset-fashion-mnist'
          : `Put the four IDX files of Fashion-MNIST in ${dir}, or install the Debian package dataset-fashion-mnist and use ${FASHION_MNIST_DIR}`),
    );
  };
  const stems = STEMS[split];
  return { images: pick(stems.images), labels: pick(stems.labels) };
}

/** True if the Debian package's files (or those in `dir`) are present. */
export function hasFashionMnist(dir: string = FASHION_MNIST_DIR): boolean {
  try {
    fashionMnistFiles('train', dir);
    fashionMnistFiles('test', dir);
    return true;
  } catch {
    return false;
  }
}

/** Side of a Fashion-MNIST image: the files must hold [N, 28, 28] grey images. */
export const FASHION_MNIST_SIZE = 28;

/** Opens one Fashion-MNIST split (decoded into memory: 47 MB for train, 8 MB for test). */
export function openFashionMnist(
  split: 'train' | 'test',
  dir: string = FASHION_MNIST_DIR,
): ImageSet {
  const files = fashionMnistFiles(split, dir);
  const classes = FASHION_MNIST_CLASS_NAMES.length;
  const set = openIdx(files.images, files.labels, `fashion-mnist/${split}`, classes);
  // A corrupt size field that keeps H*W (e.g. 14x56) would otherwise pass the length check.
  if (set.height !== FASHION_MNIST_SIZE || set.width !== FASHION_MNIST_SIZE || set.channels !== 1) {
    throw new DataError(
      files.images,
      `Fashion-MNIST images must be ${FASHION_MNIST_SIZE}x${FASHION_MNIST_SIZE} grey, ` +
        `found ${set.height}x${set.width}x${set.channels}`,
    );
  }
  return set;
}
