import { describe, it } from 'node:test';
import { dctMatrix } from '../../../src/audio/features/dct.js';
import { assertAllClose } from '../../helpers/assert-close.js';
import { refDct } from './reference.js';

describe('dctMatrix', () => {
  it('is orthonormal: D Dᵀ = I for the full 40×40 transform', () => {
    const n = 40;
    const d = dctMatrix(n, n);
    const gram: number[] = [];
    const eye: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += d[i * n + k]! * d[j * n + k]!;
        gram.push(s);
        eye.push(i === j ? 1 : 0);
      }
    }
    assertAllClose(gram, eye, { rtol: 0, atol: 1e-12 });
  });

  it('its first 13 rows equal the explicit DCT-II sum', () => {
    const x = Array.from({ length: 40 }, (_, i) => Math.sin(i * 0.7) + 0.1 * i);
    const d = dctMatrix(13, 40);
    const got = Array.from({ length: 13 }, (_, k) =>
      x.reduce((s, v, i) => s + v * d[k * 40 + i]!, 0),
    );
    assertAllClose(got, refDct(x, 13), { rtol: 0, atol: 1e-12 });
  });
});
