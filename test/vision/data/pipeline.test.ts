import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../../src/backend/random.js';
import { ConfigError } from '../../../src/errors.js';
import { memoryImageSet } from '../../../src/vision/data/image-set.js';
import { openStl10 } from '../../../src/vision/data/stl10.js';
import {
  drawCropParams,
  lumaPil,
  makeImageBatch,
  normalisationTable,
  STL10_COLOR_PIPELINE,
  STL10_GRAY_PIPELINE,
  transformImage,
  type CropParams,
  type ImagePipelineConfig,
} from '../../../src/vision/data/pipeline.js';
import { assertAllClose } from '../../helpers/assert-close.js';
import { fixtureClass, fixtureImage, writeStl10Fixture } from './stl10-fixture.js';

/** Identity-like normalisation: output = v/255, so a test can read pixels back. */
const unit = (c: number): Pick<ImagePipelineConfig, 'mean' | 'std'> => ({
  mean: new Array<number>(c).fill(0),
  std: new Array<number>(c).fill(1),
});

/** The plain-loop oracle: pixel (y, x) of a transformed 1-channel image, 0 from the padding. */
function oracle(
  src: Uint8Array,
  h: number,
  w: number,
  pad: number,
  crop: number,
  p: CropParams,
): number[] {
  const out: number[] = [];
  for (let y = 0; y < crop; y++) {
    for (let x = 0; x < crop; x++) {
      const sy = p.top + y - pad;
      const sx = p.left + (p.flip ? crop - 1 - x : x) - pad;
      out.push(sy >= 0 && sy < h && sx >= 0 && sx < w ? src[sy * w + sx]! : 0);
    }
  }
  return out;
}

describe('lumaPil', () => {
  it('matches PIL convert("L") on hand-computed pixels, rounding rather than truncating', () => {
    // (r*19595 + g*38470 + b*7471 + 32768) >> 16; e.g. green: 255*38470 + 32768 = 9842618, >>16 = 150,
    // where the float 0.587*255 = 149.685 would truncate to 149. Pillow 9.4 gives the same list.
    const px: Array<[number, number, number, number]> = [
      [255, 0, 0, 76],
      [0, 255, 0, 150],
      [0, 0, 255, 29],
      [100, 150, 200, 141],
      [1, 1, 1, 1],
      [255, 255, 255, 255],
      [10, 20, 30, 18],
    ];
    for (const [r, g, b, want] of px) assert.equal(lumaPil(r, g, b), want, `(${r},${g},${b})`);
  });
});

describe('normalisationTable', () => {
  it('gives (v/255 - mean) / std per channel', () => {
    const [t] = normalisationTable(STL10_GRAY_PIPELINE);
    assertAllClose(
      [t![0]!, t![255]!, t![105]!],
      [-0.412 / 0.257, 0.588 / 0.257, (105 / 255 - 0.412) / 0.257],
      {
        rtol: 1e-6,
        atol: 1e-6,
      },
    );
    const colour = normalisationTable(STL10_COLOR_PIPELINE);
    assert.equal(colour.length, 3);
    assertAllClose([colour[2]![0]!], [-0.3663 / 0.2687], { rtol: 1e-6, atol: 0 });
  });
});

describe('drawCropParams', () => {
  const cfg = (crop: number, pad = 0): ImagePipelineConfig => ({
    ...STL10_GRAY_PIPELINE,
    crop,
    pad,
  });
  it('centre-crops as torchvision: round((H - crop) / 2), halves to even, and draws nothing', () => {
    const rng = new Rng(1);
    const state = rng.getState();
    const centre = (h: number, c: ImagePipelineConfig): number =>
      drawCropParams(c, h, h, rng, false).top;
    assert.equal(centre(96, cfg(64)), 16);
    assert.equal(centre(28, cfg(32, 2)), 0);
    assert.equal(centre(28, cfg(28, 2)), 2);
    assert.equal(centre(33, cfg(32)), 0); // round(0.5) = 0
    assert.equal(centre(35, cfg(32)), 2); // round(1.5) = 2
    assert.equal(centre(34, cfg(32)), 1);
    assert.deepEqual(rng.getState(), state);
  });

  it('draws every crop position of the padded image and flips about half the time', () => {
    const rng = new Rng(5);
    const tops = new Set<number>();
    let flips = 0;
    for (let i = 0; i < 400; i++) {
      const p = drawCropParams(cfg(8, 2), 12, 12, rng, true);
      tops.add(p.top);
      assert.ok(p.left >= 0 && p.left <= 8);
      if (p.flip) flips++;
    }
    assert.deepEqual(
      [...tops].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.ok(flips > 150 && flips < 250, `flips ${flips}/400`);
  });
});

describe('makeImageBatch', () => {
  // 12x12 grey images whose pixels are all distinct and non-zero (0 marks padding).
  const count = 6;
  const pixels = Uint8Array.from(
    { length: count * 144 },
    (_, i) => 1 + (i % 144) + ((Math.floor(i / 144) * 17) % 100),
  );
  const set = memoryImageSet({
    name: 'grid',
    height: 12,
    width: 12,
    channels: 1,
    pixels,
    labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
  });
  const cfg: ImagePipelineConfig = { ...STL10_GRAY_PIPELINE, crop: 8, pad: 2, ...unit(1) };

  it('applies pad, random crop and flip exactly as the drawn parameters say', () => {
    const indices = Array.from({ length: 60 }, (_, k) => (k * 5) % count);
    const batch = makeImageBatch(set, indices, cfg, new Rng(9), true);
    assert.deepEqual([batch.batchSize, batch.size, batch.channels], [60, 8, 1]);
    assert.deepEqual(Array.from(batch.labels.subarray(0, 4)), [0, 2, 1, 0]);
    const replay = new Rng(9);
    const drawn: CropParams[] = [];
    indices.forEach((i, b) => {
      const p = drawCropParams(cfg, 12, 12, replay, true);
      drawn.push(p);
      const want = oracle(set.readImage(i), 12, 12, 2, 8, p).map((v) => Math.fround(v / 255));
      assert.deepEqual(
        Array.from(batch.images.subarray(b * 64, (b + 1) * 64)),
        want,
        `image ${b} (${JSON.stringify(p)})`,
      );
    });
    // The draws must reach both padded borders and both flip states, or the oracle proves little.
    for (const edge of [0, 8]) {
      assert.ok(
        drawn.some((p) => p.top === edge),
        `top ${edge} drawn`,
      );
      assert.ok(
        drawn.some((p) => p.left === edge),
        `left ${edge} drawn`,
      );
    }
    assert.ok(drawn.some((p) => p.flip) && drawn.some((p) => !p.flip));
  });

  it('pads with zero pixels (normalised as value 0)', () => {
    // Eval, 12x12 padded by 2 and centre-cropped to 16: a 2-pixel frame of padding all round.
    const batch = makeImageBatch(set, [1], { ...cfg, crop: 16 }, new Rng(0), false);
    const px = (y: number, x: number): number => Math.round(batch.images[y * 16 + x]! * 255);
    assert.deepEqual([px(0, 0), px(1, 7), px(15, 15), px(7, 14)], [0, 0, 0, 0]);
    assert.equal(px(2, 2), set.readImage(1)[0]);
    assert.equal(px(13, 13), set.readImage(1)[143]);
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = makeImageBatch(set, [0, 1, 2, 3, 4, 5], cfg, new Rng(4), true);
    const b = makeImageBatch(set, [0, 1, 2, 3, 4, 5], cfg, new Rng(4), true);
    const c = makeImageBatch(set, [0, 1, 2, 3, 4, 5], cfg, new Rng(5), true);
    assert.deepEqual(a.images, b.images);
    assert.notDeepEqual(a.images, c.images);
  });

  it('flips a crop left to right', () => {
    const src = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90]); // 3x3
    const one: ImagePipelineConfig = { ...cfg, crop: 2, pad: 0 };
    const out = new Float32Array(4);
    transformImage(
      src,
      3,
      3,
      1,
      one,
      { top: 1, left: 1, flip: true },
      normalisationTable(one),
      out,
      0,
    );
    assert.deepEqual(
      Array.from(out, (v) => Math.round(v * 255)),
      [60, 50, 90, 80],
    );
  });

  it('converts RGB to grey with PIL luma before normalising', () => {
    const rgb = memoryImageSet({
      name: 'rgb',
      height: 1,
      width: 2,
      channels: 3,
      pixels: Uint8Array.from([0, 255, 0, 100, 150, 200]),
    });
    const grey: ImagePipelineConfig = { ...STL10_GRAY_PIPELINE, crop: 1, pad: 0 };
    const batch = makeImageBatch(rgb, [0], { ...grey, crop: 1 }, new Rng(0), false); // centre of 1x2 is column round(0.5)=0
    assert.equal(batch.channels, 1);
    assert.equal(
      batch.images[0],
      Math.fround(Math.fround(Math.fround(150 / 255) - Math.fround(0.412)) / Math.fround(0.257)),
    );
    const colour = makeImageBatch(
      rgb,
      [0],
      { ...STL10_COLOR_PIPELINE, crop: 1 },
      new Rng(0),
      false,
    );
    assert.equal(colour.channels, 3);
    assertAllClose(colour.images, [-0.4313 / 0.2683, (1 - 0.4156) / 0.261, -0.3663 / 0.2687], {
      rtol: 1e-6,
      atol: 1e-6,
    });
  });

  it('rejects configs that do not fit the set, naming the field', () => {
    const bad = (over: Partial<ImagePipelineConfig>, field: string): void =>
      assert.throws(
        () => makeImageBatch(set, [0], { ...cfg, ...over }, new Rng(0), false),
        (e: unknown) => e instanceof ConfigError && e.path === field,
      );
    bad({ crop: 17 }, 'crop'); // 12 + 2*2 = 16 at most
    bad({ pad: -1 }, 'pad');
    bad({ mean: [0, 0, 0] }, 'mean');
    bad({ std: [0] }, 'std');
    bad({ crop: 4.5 }, 'crop');
  });
});

describe('makeImageBatch on STL-10 files (grey, centre crop)', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gim-stl10-pipe-'));
    writeStl10Fixture(root, 3, 1, 1);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('gives the luma of the centre 64x64 window, normalised with 0.4120 / 0.2570', () => {
    const set = openStl10(root, 'train');
    const batch = makeImageBatch(set, [0, 1, 2], STL10_GRAY_PIPELINE, new Rng(0), false);
    assert.deepEqual(
      [batch.batchSize, batch.size, batch.channels, batch.images.length],
      [3, 64, 1, 3 * 64 * 64],
    );
    const [table] = normalisationTable(STL10_GRAY_PIPELINE);
    for (let b = 0; b < 3; b++) {
      const src = fixtureImage(b, fixtureClass(b));
      const want: number[] = [];
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const s = ((16 + y) * 96 + 16 + x) * 3;
          want.push(table![lumaPil(src[s]!, src[s + 1]!, src[s + 2]!)]!);
        }
      }
      assert.deepEqual(
        Array.from(batch.images.subarray(b * 4096, (b + 1) * 4096)),
        want,
        `image ${b}`,
      );
    }
    // Spot value: image 1 (class 1) has its gradient in green; at crop (0, 10) the column is 26,
    // so green = 52 and luma = (52*38470 + 32768) >> 16 = 31.
    assert.equal(batch.images[4096 + 10], table![31]);
    set.close();
  });
});
