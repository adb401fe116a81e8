import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../../src/errors.js';
import { openStl10, readStl10Folds, STL10_IMAGE_BYTES } from '../../../src/vision/data/stl10.js';
import {
  encodeStl10Image,
  fixtureClass,
  fixtureImage,
  MARKER,
  SIZE,
  writeStl10Fixture,
} from './stl10-fixture.js';

const at = (img: Uint8Array, r: number, c: number, k: number): number =>
  img[(r * SIZE + c) * 3 + k]!;

describe('openStl10', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gim-stl10-'));
    writeStl10Fixture(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reports counts, geometry and 0-based labels', () => {
    const train = openStl10(root, 'train');
    assert.equal(train.count, 12);
    assert.deepEqual([train.height, train.width, train.channels, train.classes], [96, 96, 3, 10]);
    assert.equal(train.name, 'stl10/train');
    for (let i = 0; i < train.count; i++) assert.equal(train.label(i), fixtureClass(i));
    assert.equal(openStl10(root, 'test').count, 4);
    train.close();
  });

  it('transposes column-major planes: marker at (row 5, col 60), gradient in channel k%3', () => {
    const set = openStl10(root, 'train');
    for (const i of [0, 1, 2, 7]) {
      const img = set.readImage(i);
      const k = fixtureClass(i);
      assert.equal(at(img, MARKER.row, MARKER.col, 0), 255, `image ${i}: marker at (5,60)`);
      assert.equal(
        at(img, MARKER.col, MARKER.row, 0),
        k % 3 === 0 ? 2 * MARKER.row : 0,
        `image ${i}: (60,5)`,
      );
      assert.equal(at(img, 10, 40, k % 3), 80, `image ${i}: gradient 2*col in channel ${k % 3}`);
      assert.equal(at(img, 10, 40, (k + 1) % 3), 0);
      assert.equal(at(img, 0, 0, (k + 1) % 3), i, 'index pixel');
      assert.deepEqual(img, fixtureImage(i, k), `image ${i} round trip`);
    }
    set.close();
  });

  it('reads the unlabeled split with label -1 and classes 0, into a caller buffer', () => {
    const set = openStl10(join(root, 'stl10_binary'), 'unlabeled'); // the folder itself also works
    assert.equal(set.count, 3);
    assert.equal(set.classes, 0);
    assert.equal(set.label(2), -1);
    const buf = new Uint8Array(SIZE * SIZE * 3);
    assert.equal(set.readImage(2, buf), buf);
    assert.deepEqual(buf, fixtureImage(2, fixtureClass(2)));
    assert.throws(() => set.readImage(3), RangeError);
    assert.throws(
      () => set.readImage(0, new Uint8Array(10)),
      /output buffer has 10 bytes, expected 27648/,
    );
    set.close();
    assert.throws(() => set.readImage(0), DataError);
  });

  it('reads the fold indices', () => {
    const folds = readStl10Folds(root);
    assert.deepEqual(
      folds.map((f) => Array.from(f)),
      [
        [0, 2, 4],
        [1, 3, 5],
      ],
    );
  });

  describe('rejects malformed trees with DataError naming the file', () => {
    let bad: string;
    before(() => {
      bad = mkdtempSync(join(tmpdir(), 'gim-stl10-bad-'));
    });
    after(() => rmSync(bad, { recursive: true, force: true }));

    it('missing image file', () => {
      assert.throws(
        () => openStl10(bad, 'train'),
        (e: unknown) => e instanceof DataError && /train_X\.bin/.test(e.message),
      );
    });
    it('size not a multiple of 27648', () => {
      writeFileSync(join(bad, 'unlabeled_X.bin'), new Uint8Array(STL10_IMAGE_BYTES + 5));
      assert.throws(
        () => openStl10(bad, 'unlabeled'),
        /27653 bytes is not a positive multiple of 27648/,
      );
    });
    it('label count differs from image count', () => {
      writeFileSync(join(bad, 'train_X.bin'), new Uint8Array(2 * STL10_IMAGE_BYTES));
      writeFileSync(join(bad, 'train_y.bin'), new Uint8Array([1, 2, 3]));
      assert.throws(() => openStl10(bad, 'train'), /has 3 labels, expected one per image .* \(2\)/);
    });
    it('label outside 1..10', () => {
      writeFileSync(join(bad, 'test_X.bin'), new Uint8Array(2 * STL10_IMAGE_BYTES));
      writeFileSync(join(bad, 'test_y.bin'), new Uint8Array([1, 11]));
      assert.throws(() => openStl10(bad, 'test'), /label 1 is 11, expected 1\.\.10/);
      writeFileSync(join(bad, 'test_y.bin'), new Uint8Array([0, 1]));
      assert.throws(() => openStl10(bad, 'test'), /label 0 is 0/);
    });
  });

  it('reads a sparse >2 GiB unlabeled file by offset (readFileSync cannot)', () => {
    const big = mkdtempSync(join(tmpdir(), 'gim-stl10-big-'));
    try {
      mkdirSync(join(big, 'stl10_binary'));
      const path = join(big, 'stl10_binary', 'unlabeled_X.bin');
      const count = 100_000; // the real split: 2 764 800 000 bytes
      const high = 99_998;
      const fd = openSync(path, 'w');
      ftruncateSync(fd, count * STL10_IMAGE_BYTES);
      writeSync(
        fd,
        encodeStl10Image(fixtureImage(high, 3)),
        0,
        STL10_IMAGE_BYTES,
        high * STL10_IMAGE_BYTES,
      );
      closeSync(fd);
      assert.throws(() => readFileSync(path), /ERR_FS_FILE_TOO_LARGE|greater than 2 GiB|File size/);

      const set = openStl10(big, 'unlabeled');
      assert.equal(set.count, count);
      assert.deepEqual(set.readImage(high), fixtureImage(high, 3));
      assert.equal(at(set.readImage(high), MARKER.row, MARKER.col, 0), 255);
      assert.ok(
        set.readImage(high + 1).every((v) => v === 0),
        'the neighbour is a hole of zeros',
      );
      set.close();
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });
});
