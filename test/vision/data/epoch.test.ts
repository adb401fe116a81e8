import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/backend/random.js';
import { ConfigError } from '../../../src/errors.js';
import { memoryImageSet } from '../../../src/vision/data/image-set.js';
import { imageBatchCount, imageEpoch, splitIndices } from '../../../src/vision/data/epoch.js';
import {
  FASHION_MNIST_PIPELINE,
  type ImagePipelineConfig,
} from '../../../src/vision/data/pipeline.js';

// 10 images of 4x4 grey; image i has label i, so labels tell which images a batch holds.
const set = memoryImageSet({
  name: 'ten',
  height: 4,
  width: 4,
  channels: 1,
  pixels: Uint8Array.from({ length: 160 }, (_, i) => i),
  labels: Int32Array.from({ length: 10 }, (_, i) => i),
});
const cfg: ImagePipelineConfig = {
  ...FASHION_MNIST_PIPELINE,
  crop: 4,
  pad: 0,
  patchSize: 2,
  patchStride: 2,
};
const seen = (batches: Iterable<{ labels: Int32Array }>): number[][] =>
  [...batches].map((b) => Array.from(b.labels));

describe('imageEpoch', () => {
  it('visits every image once, in order without shuffle, keeping the last short batch', () => {
    const got = seen(
      imageEpoch(set, 4, cfg, new Rng(0), { train: false, shuffle: false, dropLast: false }),
    );
    assert.deepEqual(got, [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('drops the short batch with dropLast', () => {
    const got = seen(
      imageEpoch(set, 4, cfg, new Rng(0), { train: true, shuffle: true, dropLast: true }),
    );
    assert.equal(got.length, 2);
    assert.ok(got.every((b) => b.length === 4));
    assert.equal(imageBatchCount(10, 4, true), 2);
    assert.equal(imageBatchCount(10, 4, false), 3);
  });

  it('shuffles into a permutation that depends on the seed only', () => {
    const run = (seed: number): number[] =>
      seen(
        imageEpoch(set, 3, cfg, new Rng(seed), { train: true, shuffle: true, dropLast: false }),
      ).flat();
    const a = run(1);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual(a, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(run(1), a);
    assert.notDeepEqual(run(2), a);
  });

  it('restricts to the given indices', () => {
    const got = seen(
      imageEpoch(set, 2, cfg, new Rng(0), {
        train: false,
        shuffle: false,
        dropLast: false,
        indices: [7, 2, 9],
      }),
    );
    assert.deepEqual(got, [[7, 2], [9]]);
  });

  it('rejects a non-positive batch size', () => {
    assert.throws(
      () => [
        ...imageEpoch(set, 0, cfg, new Rng(0), { train: false, shuffle: false, dropLast: false }),
      ],
      ConfigError,
    );
  });
});

describe('splitIndices', () => {
  it('splits into disjoint sorted parts, floor(fraction*count) for validation', () => {
    const { train, validation } = splitIndices(10, 0.2, new Rng(3));
    assert.equal(validation.length, 2);
    assert.equal(train.length, 8);
    assert.deepEqual(
      [...train, ...validation].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      Array.from(train),
      [...train].sort((a, b) => a - b),
    );
    assert.deepEqual(splitIndices(10, 0.2, new Rng(3)).validation, validation);
    assert.throws(() => splitIndices(10, 1.5, new Rng(3)), ConfigError);
  });
});
