import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../../src/errors.js';
import { encodeIdx } from '../../../src/vision/data/idx.js';
import {
  FASHION_MNIST_DIR,
  hasFashionMnist,
  openFashionMnist,
} from '../../../src/vision/data/fashion-mnist.js';

const installed = hasFashionMnist();
const skip = installed
  ? false
  : `Fashion-MNIST not installed in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)`;

describe('openFashionMnist', () => {
  it('loads 60000 train / 10000 test 28x28 grey images in 10 balanced classes', { skip }, () => {
    for (const [split, count] of [
      ['train', 60000],
      ['test', 10000],
    ] as const) {
      const set = openFashionMnist(split);
      assert.deepEqual(
        [set.count, set.height, set.width, set.channels, set.classes],
        [count, 28, 28, 1, 10],
      );
      assert.equal(set.name, `fashion-mnist/${split}`);
      const perClass = new Array<number>(10).fill(0);
      for (let i = 0; i < set.count; i++) perClass[set.label(i)]!++;
      assert.deepEqual(perClass, new Array<number>(10).fill(count / 10));
      // The first training image is an ankle boot (class 9) in the upstream files.
      if (split === 'train') assert.equal(set.label(0), 9);
      const img = set.readImage(0);
      assert.equal(img.length, 784);
      assert.ok(img.some((v) => v > 0));
    }
  });

  it('rejects images that are not 28x28 grey even when the file size fits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gim-fmnist-'));
    try {
      // 14x56 holds as many bytes as 28x28: only the shape check can tell.
      writeFileSync(
        join(dir, 't10k-images-idx3-ubyte'),
        encodeIdx([2, 14, 56], new Uint8Array(2 * 784)),
      );
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([0, 9])));
      assert.throws(
        () => openFashionMnist('test', dir),
        (e: unknown) =>
          e instanceof DataError &&
          /t10k-images-idx3-ubyte: Fashion-MNIST images must be 28x28 grey, found 14x56x1/.test(
            e.message,
          ),
      );
      writeFileSync(
        join(dir, 't10k-images-idx3-ubyte'),
        encodeIdx([2, 28, 28], new Uint8Array(2 * 784)),
      );
      assert.equal(openFashionMnist('test', dir).classes, 10);
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([0, 10])));
      assert.throws(() => openFashionMnist('test', dir), /label 1 is 10, expected 0\.\.9/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to install it when the files are absent', () => {
    const empty = mkdtempSync(join(tmpdir(), 'gim-fmnist-'));
    try {
      assert.equal(hasFashionMnist(empty), false);
      assert.throws(
        () => openFashionMnist('test', empty),
        (e: unknown) =>
          e instanceof DataError &&
          /t10k-images-idx3-ubyte\.gz/.test(e.message) &&
          /dataset-fashion-mnist/.test(e.message),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
