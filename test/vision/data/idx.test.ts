import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../../src/errors.js';
import { encodeIdx, openIdx, parseIdx, readIdx } from '../../../src/vision/data/idx.js';

/** 5 images of 3x4, pixel (n, r, c) = 12n + 4r + c: every byte differs, so misplacement shows. */
function sampleImages(): Uint8Array {
  return Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => i);
}

describe('IDX', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gim-idx-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the documented header: 00 00 08 ndim, big-endian sizes', () => {
    const bytes = encodeIdx([5, 3, 4], sampleImages());
    assert.deepEqual(
      Array.from(bytes.subarray(0, 16)),
      [0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 4],
    );
    assert.equal(bytes.length, 16 + 60);
  });

  for (const gzip of [false, true]) {
    it(`round-trips ${gzip ? 'gzipped' : 'raw'} files through openIdx`, () => {
      const pixels = sampleImages();
      const imgPath = join(dir, `img-${gzip}.idx`);
      const lblPath = join(dir, `lbl-${gzip}.idx`);
      writeFileSync(imgPath, encodeIdx([5, 3, 4], pixels, gzip));
      writeFileSync(lblPath, encodeIdx([5], new Uint8Array([3, 0, 2, 2, 1]), gzip));
      if (gzip) assert.deepEqual(Array.from(readIdx(imgPath).dims), [5, 3, 4]);
      const set = openIdx(imgPath, lblPath);
      assert.deepEqual(
        [set.count, set.height, set.width, set.channels, set.classes],
        [5, 3, 4, 1, 4],
      );
      assert.deepEqual(
        [0, 1, 2, 3, 4].map((i) => set.label(i)),
        [3, 0, 2, 2, 1],
      );
      assert.deepEqual(set.readImage(2), pixels.subarray(24, 36));
      assert.equal(set.readImage(2)[1 * 4 + 3], 12 * 2 + 4 * 1 + 3);
    });
  }

  it('reads [N,H,W,C] images as C channels and label-less sets as unlabeled', () => {
    const data = Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i);
    const p = join(dir, 'rgb.idx');
    writeFileSync(p, encodeIdx([2, 2, 2, 3], data));
    const set = openIdx(p);
    assert.deepEqual([set.count, set.channels, set.classes, set.label(1)], [2, 3, 0, -1]);
    assert.deepEqual(Array.from(set.readImage(1)), Array.from(data.subarray(12)));
  });

  describe('rejects malformed input with DataError', () => {
    const good = encodeIdx([2, 2, 2], new Uint8Array(8));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      [
        'bad magic',
        Uint8Array.from([1, 0, ...good.subarray(2)]),
        /bad IDX magic: expected bytes 00 00 .* found 0x01 0x00/,
      ],
      [
        'non-uint8 type',
        Uint8Array.from([0, 0, 0x0d, ...good.subarray(3)]),
        /data type 0x0d is not supported/,
      ],
      [
        'truncated data',
        good.subarray(0, good.length - 1),
        /size 23 bytes does not match the header: expected 16 header bytes \+ 2x2x2 = 8/,
      ],
      ['extra bytes', Uint8Array.from([...good, 0]), /size 25 bytes does not match/],
      ['short header', good.subarray(0, 10), /too short for an IDX header with 3 dimensions/],
      [
        'broken gzip',
        gzipSync(good).subarray(0, 12),
        /starts like gzip \(1f 8b\) but does not decompress/,
      ],
    ];
    for (const [name, bytes, pattern] of cases) {
      it(name, () => {
        assert.throws(
          () => parseIdx(bytes, 'x.idx'),
          (e: unknown) => e instanceof DataError && e.file === 'x.idx' && pattern.test(e.message),
        );
      });
    }

    it('label count that does not match the images', () => {
      const img = join(dir, 'm-img.idx');
      const lbl = join(dir, 'm-lbl.idx');
      writeFileSync(img, encodeIdx([2, 2, 2], new Uint8Array(8)));
      writeFileSync(lbl, encodeIdx([3], new Uint8Array(3)));
      assert.throws(() => openIdx(img, lbl), /m-lbl\.idx: has 3 labels, expected 2/);
    });

    it('a label outside the class count, naming the label file, index and value', () => {
      const img = join(dir, 'c-img.idx');
      const lbl = join(dir, 'c-lbl.idx');
      writeFileSync(img, encodeIdx([3, 2, 2], new Uint8Array(12)));
      writeFileSync(lbl, encodeIdx([3], new Uint8Array([1, 9, 10])));
      assert.throws(
        () => openIdx(img, lbl, 'c', 10),
        (e: unknown) =>
          e instanceof DataError && /c-lbl\.idx: label 2 is 10, expected 0\.\.9/.test(e.message),
      );
      // Without a class count the labels define it (max + 1); with one, it is the set's.
      assert.equal(openIdx(img, lbl).classes, 11);
      writeFileSync(lbl, encodeIdx([3], new Uint8Array([1, 2, 3])));
      assert.equal(openIdx(img, lbl, 'c', 10).classes, 10);
    });

    it('empty image sides or a channel count other than 1 or 3', () => {
      const p = join(dir, 'sides.idx');
      writeFileSync(p, encodeIdx([0, 0, 5], new Uint8Array(0)));
      assert.throws(
        () => openIdx(p),
        (e: unknown) => e instanceof DataError && /at least 1x1/.test(e.message),
      );
      writeFileSync(p, encodeIdx([1, 2, 2, 2], new Uint8Array(8)));
      assert.throws(() => openIdx(p), /1 or 3 channels, found dims 1x2x2x2/);
    });

    it('images with the wrong rank, and a missing file', () => {
      const p = join(dir, 'rank.idx');
      writeFileSync(p, encodeIdx([8], new Uint8Array(8)));
      assert.throws(() => openIdx(p), /must have 3 dims \[N,H,W\] or 4 dims/);
      assert.throws(
        () => openIdx(join(dir, 'nope.idx')),
        (e: unknown) => e instanceof DataError && /not found/.test(e.message),
      );
    });
  });
});
