import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../../../src/errors.js';
import { cutPatches, patchGridSize } from '../../../src/vision/data/patches.js';

describe('patchGridSize', () => {
  it('is 7 for 64/16/8 (STL-10) and 32/8/4 (Fashion-MNIST), 1 for a whole-image patch', () => {
    assert.equal(patchGridSize(64, 16, 8), 7);
    assert.equal(patchGridSize(32, 8, 4), 7);
    assert.equal(patchGridSize(16, 16, 8), 1);
  });
  it('rejects grids that do not tile the image exactly', () => {
    assert.throws(() => patchGridSize(64, 16, 7), ShapeError);
    assert.throws(() => patchGridSize(8, 16, 8), ShapeError);
  });
});

describe('cutPatches', () => {
  it('patch (r, c) of image b is the window at rows r*stride.., cols c*stride.., in image/row/col order', () => {
    const [B, S, C, p, stride] = [2, 10, 3, 4, 3];
    const g = patchGridSize(S, p, stride); // (10-4)/3+1 = 3
    // Distinct values everywhere, so any misplaced element shows.
    const images = Float32Array.from({ length: B * S * S * C }, (_, i) => i);
    const out = cutPatches(images, B, S, C, p, stride);
    assert.equal(out.length, B * g * g * p * p * C);
    for (let b = 0; b < B; b++) {
      for (let r = 0; r < g; r++) {
        for (let c = 0; c < g; c++) {
          const n = (b * g + r) * g + c;
          for (let y = 0; y < p; y++) {
            for (let x = 0; x < p; x++) {
              for (let k = 0; k < C; k++) {
                const got = out[((n * p + y) * p + x) * C + k];
                const want = images[((b * S + r * stride + y) * S + c * stride + x) * C + k];
                assert.equal(got, want, `b${b} r${r} c${c} y${y} x${x} k${k}`);
              }
            }
          }
        }
      }
    }
  });

  it('gives 49 patches of 16x16 per 64x64 image', () => {
    const out = cutPatches(new Float32Array(3 * 64 * 64), 3, 64, 1, 16, 8);
    assert.equal(out.length, 3 * 49 * 16 * 16);
  });

  it('rejects a buffer that does not match [B, S, S, C]', () => {
    assert.throws(
      () => cutPatches(new Float32Array(10), 1, 4, 1, 2, 2),
      /expected \[1, 4, 4, 1\] = 16/,
    );
  });
});
