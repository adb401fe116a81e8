/**
 * Writes a tiny STL-10 tree in a temp folder (recipe of datasets.md §4.3), so no binary fixture
 * is committed. Image i of class k carries a horizontal gradient (value 2*col) in channel k%3,
 * a 255 marker at (row 5, col 60) in channel 0, and its index i at (row 0, col 0) in channel
 * (k+1)%3. A row/column swap moves the marker, a channel swap moves the gradient.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIZE = 96;
export const MARKER = { row: 5, col: 60 } as const;

/** Row-major HWC pixels of fixture image `index` of class `k`. */
export function fixtureImage(index: number, k: number): Uint8Array {
  const hwc = new Uint8Array(SIZE * SIZE * 3);
  for (let r = 0; r < SIZE; r++) {
    for (let c = 0; c < SIZE; c++) hwc[(r * SIZE + c) * 3 + (k % 3)] = 2 * c;
  }
  hwc[(MARKER.row * SIZE + MARKER.col) * 3] = 255;
  hwc[(k + 1) % 3] = index % 256;
  return hwc;
}

/** HWC -> STL-10 layout: three column-major planes (the inverse of the reader's transpose). */
export function encodeStl10Image(hwc: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let k = 0; k < 3; k++) {
    for (let c = 0; c < SIZE; c++) {
      for (let r = 0; r < SIZE; r++)
        out[k * SIZE * SIZE + c * SIZE + r] = hwc[(r * SIZE + c) * 3 + k]!;
    }
  }
  return out;
}

/** Class of fixture image i: cycles through the 10 classes. */
export const fixtureClass = (i: number): number => i % 10;

/**
 * Creates `<root>/stl10_binary/` with train (n images), test (m) and unlabeled (u) splits,
 * 1-based label files, class_names.txt and a fold_indices.txt of two folds.
 */
export function writeStl10Fixture(root: string, n = 12, m = 4, u = 3): string {
  const dir = join(root, 'stl10_binary');
  mkdirSync(dir, { recursive: true });
  const split = (name: string, count: number, labelled: boolean): void => {
    const x = new Uint8Array(count * SIZE * SIZE * 3);
    const y = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      x.set(encodeStl10Image(fixtureImage(i, fixtureClass(i))), i * SIZE * SIZE * 3);
      y[i] = fixtureClass(i) + 1;
    }
    writeFileSync(join(dir, `${name}_X.bin`), x);
    if (labelled) writeFileSync(join(dir, `${name}_y.bin`), y);
  };
  split('train', n, true);
  split('test', m, true);
  split('unlabeled', u, false);
  writeFileSync(
    join(dir, 'class_names.txt'),
    'airplane\nbird\ncar\ncat\ndeer\ndog\nhorse\nmonkey\nship\ntruck\n',
  );
  writeFileSync(join(dir, 'fold_indices.txt'), '0 2 4\n1 3 5\n');
  return dir;
}
