/**
 * Fuzzed image files (issue 10, part 8): seeded truncations and byte flips of Fashion-MNIST IDX
 * files (raw and gzipped, images and labels) and STL-10 binaries (images and labels), each run
 * through the real loader. Every case must end in a DataError naming the corrupted file and what
 * was expected, or in a load that is provably consistent with the flip:
 * - raw IDX / STL-10 images: only the flipped pixels differ (STL-10 through its column-major
 *   transpose), shapes and labels unchanged;
 * - raw IDX / STL-10 labels: only the flipped labels differ, and they are still valid classes.
 *   Such a flip (a label byte changed to another valid class) cannot be detected by any loader:
 *   neither format has a checksum. The test counts them and checks that nothing else changed;
 * - gzipped IDX: the content is byte-identical to the original (the gzip CRC-32 rejects any
 *   change to the data; only header fields such as mtime/OS and deflate padding bits can flip
 *   unnoticed), and a truncation never loads.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../../src/errors.js';
import { encodeIdx } from '../../../src/vision/data/idx.js';
import { openFashionMnist } from '../../../src/vision/data/fashion-mnist.js';
import { openStl10, STL10_IMAGE_BYTES } from '../../../src/vision/data/stl10.js';
import type { ImageSet } from '../../../src/vision/data/image-set.js';
import { CASE_LIMIT_MS, corruptions, timed, type Corruption } from './fuzz-cases.js';
import { encodeStl10Image, fixtureClass, fixtureImage, SIZE } from './stl10-fixture.js';

const CASES = 250;
const IDX_COUNT = 40;
const IDX_SIDE = 28;
const IDX_IMAGE_HEADER = 16; // 00 00 08 03 + three uint32 sizes
const IDX_LABEL_HEADER = 8; // 00 00 08 01 + one uint32 size
const GZIP_TRAILER = 8; // CRC-32 + ISIZE

interface Counts {
  cases: number;
  errors: number;
  consistentLoads: number;
  undetectableLabelFlips: number;
  slowestMs: number;
}

const newCounts = (): Counts => ({
  cases: 0,
  errors: 0,
  consistentLoads: 0,
  undetectableLabelFlips: 0,
  slowestMs: 0,
});

/** Everything a set holds, for comparing a load with the original. */
function snapshot(set: ImageSet): { pixels: Uint8Array[]; labels: number[]; dims: number[] } {
  const pixels = Array.from({ length: set.count }, (_, i) => set.readImage(i));
  const labels = Array.from({ length: set.count }, (_, i) => set.label(i));
  return { pixels, labels, dims: [set.count, set.height, set.width, set.channels, set.classes] };
}

/** Flat indices (image*bytes + pixel) where two pixel lists differ. */
function pixelDiff(a: Uint8Array[], b: Uint8Array[]): number[] {
  const out: number[] = [];
  a.forEach((img, i) => {
    const per = img.length;
    for (let p = 0; p < per; p++) if (img[p] !== b[i]![p]) out.push(i * per + p);
  });
  return out;
}

function labelDiff(a: number[], b: number[]): number[] {
  return a.flatMap((v, i) => (v !== b[i] ? [i] : []));
}

/** Runs one case; returns the loaded snapshot, or null after checking the error. */
function runCase(
  c: Corruption,
  file: string,
  load: () => ImageSet,
  counts: Counts,
): ReturnType<typeof snapshot> | null {
  writeFileSync(file, c.bytes);
  const { result, error, ms } = timed(() => {
    const set = load();
    try {
      return snapshot(set);
    } finally {
      set.close();
    }
  });
  counts.cases++;
  counts.slowestMs = Math.max(counts.slowestMs, ms);
  assert.ok(ms < CASE_LIMIT_MS, `${c.label}: took ${ms.toFixed(0)} ms`);
  if (error !== undefined) {
    assert.ok(
      error instanceof DataError,
      `${c.label}: expected a DataError, got ${(error as Error).stack ?? String(error)}`,
    );
    assert.ok(
      error.message.includes(file),
      `${c.label}: message must name ${file}: ${error.message}`,
    );
    assert.match(error.message, /expected/, `${c.label}: message must say what was expected`);
    counts.errors++;
    return null;
  }
  assert.notEqual(c.kind, 'truncate', `${c.label}: a truncated file loaded`);
  counts.consistentLoads++;
  return result!;
}

describe('fuzzed Fashion-MNIST IDX files (openFashionMnist)', () => {
  let root: string;
  // Every pixel byte differs from its neighbours, so a shifted or misread byte shows.
  const pixels = Uint8Array.from(
    { length: IDX_COUNT * IDX_SIDE * IDX_SIDE },
    (_, i) => (i * 37 + 11) & 255,
  );
  const labels = Uint8Array.from({ length: IDX_COUNT }, (_, i) => (i * 3) % 10);
  const imagesRaw = encodeIdx([IDX_COUNT, IDX_SIDE, IDX_SIDE], pixels);
  const labelsRaw = encodeIdx([IDX_COUNT], labels);
  const all: Record<string, Counts> = {};
  let original: ReturnType<typeof snapshot>;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gim-fuzz-idx-'));
    const dir = join(root, 'intact');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), imagesRaw);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labelsRaw);
    original = snapshot(openFashionMnist('train', dir));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  for (const role of ['images', 'labels'] as const) {
    for (const gzip of [false, true]) {
      const format = `IDX ${role} ${gzip ? 'gz' : 'raw'}`;
      it(`${format}: ${CASES} corruptions end in a DataError or a consistent load`, (t) => {
        const dir = join(root, format.replaceAll(' ', '-'));
        mkdirSync(dir);
        const stems = { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' };
        const ext = gzip ? '.gz' : '';
        const intact = {
          images: encodeIdx([IDX_COUNT, IDX_SIDE, IDX_SIDE], pixels, gzip),
          labels: encodeIdx([IDX_COUNT], labels, gzip),
        };
        const other = role === 'images' ? 'labels' : 'images';
        writeFileSync(join(dir, stems[other] + ext), intact[other]);
        const file = join(dir, stems[role] + ext);
        const header = gzip ? 10 : role === 'images' ? IDX_IMAGE_HEADER : IDX_LABEL_HEADER;
        const counts = newCounts();
        const cases = corruptions(intact[role], CASES, role === 'images' ? 101 : 202, {
          headerBytes: header,
        });
        for (const c of cases) {
          const got = runCase(c, file, () => openFashionMnist('train', dir), counts);
          if (got === null) continue;
          assert.deepEqual(got.dims, original.dims, `${c.label}: shape or class count changed`);
          if (gzip) {
            // CRC-32 covers the data: whatever flipped, the content must be the original.
            assert.ok(
              c.offsets.every((o) => o < intact[role].length - GZIP_TRAILER),
              `${c.label}: a flipped CRC/ISIZE loaded`,
            );
            assert.deepEqual(pixelDiff(got.pixels, original.pixels), [], `${c.label}: pixels`);
            assert.deepEqual(got.labels, original.labels, `${c.label}: labels`);
            continue;
          }
          assert.ok(
            c.offsets.every((o) => o >= header),
            `${c.label}: a flipped header byte loaded`,
          );
          const payload = c.offsets.map((o) => o - header);
          if (role === 'images') {
            assert.deepEqual(pixelDiff(got.pixels, original.pixels), payload, c.label);
            assert.deepEqual(got.labels, original.labels, `${c.label}: labels changed`);
          } else {
            // Only a flip to another valid class loads: exactly those labels differ.
            assert.deepEqual(labelDiff(got.labels, original.labels), payload, c.label);
            assert.ok(
              got.labels.every((l) => l >= 0 && l < 10),
              c.label,
            );
            assert.deepEqual(pixelDiff(got.pixels, original.pixels), [], `${c.label}: pixels`);
            counts.undetectableLabelFlips++;
          }
        }
        all[format] = counts;
        t.diagnostic(`${format}: ${JSON.stringify(counts)}`);
        assert.equal(counts.cases, CASES);
        assert.ok(counts.errors > 0, 'the fuzz produced no errors at all');
        // Raw payload flips must load (pixels) or sometimes load (labels in range): the
        // success path has to be exercised, not only the error path.
        if (!gzip) assert.ok(counts.consistentLoads > 0, 'no corrupted file loaded');
        if (!gzip && role === 'labels') assert.ok(counts.errors > counts.cases / 4);
      });
    }
  }
});

describe('fuzzed STL-10 binaries (openStl10)', () => {
  const COUNT = 10; // one image per class, so labels 1..10 all occur
  let root: string;
  let dir: string;
  const x = new Uint8Array(COUNT * STL10_IMAGE_BYTES);
  const y = Uint8Array.from({ length: COUNT }, (_, i) => fixtureClass(i) + 1);
  const truth = Array.from({ length: COUNT }, (_, i) => fixtureImage(i, fixtureClass(i)));
  const truthLabels = Array.from({ length: COUNT }, (_, i) => fixtureClass(i));
  for (let i = 0; i < COUNT; i++) x.set(encodeStl10Image(truth[i]!), i * STL10_IMAGE_BYTES);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gim-fuzz-stl10-'));
    dir = join(root, 'stl10_binary');
    mkdirSync(dir);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Where byte `o` of train_X.bin lands: image i, HWC index of (row r, col c, channel k). */
  const hwcIndex = (o: number): number => {
    const i = Math.floor(o / STL10_IMAGE_BYTES);
    const rem = o % STL10_IMAGE_BYTES;
    const k = Math.floor(rem / (SIZE * SIZE));
    const c = Math.floor((rem % (SIZE * SIZE)) / SIZE);
    const r = rem % SIZE;
    return i * STL10_IMAGE_BYTES + (r * SIZE + c) * 3 + k;
  };

  for (const role of ['X', 'y'] as const) {
    const format = `STL-10 ${role === 'X' ? 'images' : 'labels'}`;
    it(`${format}: ${CASES} corruptions end in a DataError or a consistent load`, (t) => {
      writeFileSync(join(dir, 'train_X.bin'), x);
      writeFileSync(join(dir, 'train_y.bin'), y);
      const file = join(dir, `train_${role}.bin`);
      const intact = role === 'X' ? x : y;
      // Headerless: truncations at image boundaries are the dangerous ones (whole images lost).
      const boundaries = role === 'X' ? [1, 5, 9].map((n) => n * STL10_IMAGE_BYTES) : [];
      const counts = newCounts();
      const cases = corruptions(intact, CASES, role === 'X' ? 303 : 404, {
        headerBytes: 0,
        boundaries,
      });
      for (const c of cases) {
        const got = runCase(c, file, () => openStl10(root, 'train'), counts);
        if (got === null) continue;
        assert.deepEqual(got.dims, [COUNT, SIZE, SIZE, 3, 10], `${c.label}: shape changed`);
        if (role === 'X') {
          const expected = c.offsets.map(hwcIndex).sort((a, b) => a - b);
          assert.deepEqual(pixelDiff(got.pixels, truth), expected, c.label);
          assert.deepEqual(got.labels, truthLabels, `${c.label}: labels changed`);
        } else {
          assert.deepEqual(labelDiff(got.labels, truthLabels), c.offsets, c.label);
          assert.ok(
            got.labels.every((l) => l >= 0 && l < 10),
            c.label,
          );
          assert.deepEqual(pixelDiff(got.pixels, truth), [], `${c.label}: pixels changed`);
          counts.undetectableLabelFlips++;
        }
      }
      writeFileSync(file, intact);
      t.diagnostic(`${format}: ${JSON.stringify(counts)}`);
      assert.equal(counts.cases, CASES);
      assert.ok(counts.errors > 0 && counts.consistentLoads > 0, JSON.stringify(counts));
    });
  }
});
