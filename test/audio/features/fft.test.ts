import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/backend/random.js';
import { ShapeError } from '../../../src/errors.js';
import { fft, powerSpectrum } from '../../../src/audio/features/fft.js';
import { assertAllClose } from '../../helpers/assert-close.js';
import { naiveDft, naiveDftComplex } from './reference.js';

describe('fft', () => {
  for (const n of [1, 2, 4, 8, 64, 512]) {
    it(`matches a naive DFT on complex input of length ${n}`, () => {
      const rng = new Rng(n);
      const re = Array.from({ length: n }, () => rng.normal());
      const im = Array.from({ length: n }, () => rng.normal());
      const want = naiveDftComplex(re, im);
      const gotRe = Float64Array.from(re);
      const gotIm = Float64Array.from(im);
      fft(gotRe, gotIm);
      const scale = Math.sqrt(n);
      assertAllClose(gotRe, want.re, { rtol: 0, atol: 1e-9 * scale }, 're');
      assertAllClose(gotIm, want.im, { rtol: 0, atol: 1e-9 * scale }, 'im');
    });
  }

  it('rejects lengths that are not powers of two and mismatched arrays', () => {
    assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), ShapeError);
    assert.throws(() => fft(new Float64Array(8), new Float64Array(4)), ShapeError);
  });

  it('powerSpectrum zero-pads a short real frame and matches |DFT|²', () => {
    const rng = new Rng(11);
    const frame = Array.from({ length: 400 }, () => rng.normal());
    const padded = [...frame, ...new Array<number>(112).fill(0)];
    const { re, im } = naiveDft(padded);
    const want = Array.from({ length: 257 }, (_, k) => re[k]! ** 2 + im[k]! ** 2);
    assertAllClose(powerSpectrum(Float64Array.from(frame), 512), want, { rtol: 1e-9, atol: 1e-9 });
    assert.throws(() => powerSpectrum(new Float64Array(600), 512), ShapeError);
  });
});
