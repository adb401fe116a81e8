import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import {
  GridInfoNce,
  contextRows,
  drawGridNegatives,
  gridInfoNceWithDraw,
} from '../../src/losses/grid-info-nce.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { expectNoLeaks } from '../helpers/leaks.js';

function randomValues(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/**
 * Slow reference straight from the reference's loop (spec §3.4), on plain arrays in float64:
 * z, c [B][G][G][C]; w [C][K·C]; negatives per k over positions in (row, b, col) order.
 */
function referenceGridInfoNce(
  z: Float32Array,
  c: Float32Array,
  w: Float32Array,
  shape: [number, number, number, number],
  K: number,
  N: number,
  negatives: Int32Array[],
): { loss: number; accuracy: number } {
  const [B, G, W, C] = shape;
  const at = (a: Float32Array, b: number, r: number, col: number, ch: number): number =>
    a[((b * G + r) * W + col) * C + ch]!;
  let loss = 0;
  let acc = 0;
  for (let k = 1; k <= K; k++) {
    const rows = G - k - 1;
    // W_k z at every target position, flattened (row, b, col).
    const ztwk: number[][] = [];
    const ctx: number[][] = [];
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < B; b++) {
        for (let col = 0; col < W; col++) {
          const v: number[] = [];
          for (let o = 0; o < C; o++) {
            let s = 0;
            for (let i = 0; i < C; i++)
              s += at(z, b, r + k + 1, col, i) * w[i * K * C + (k - 1) * C + o]!;
            v.push(s);
          }
          ztwk.push(v);
          ctx.push(Array.from({ length: C }, (_, i) => at(c, b, r, col, i)));
        }
      }
    }
    const P = ztwk.length;
    let lk = 0;
    let ak = 0;
    for (let p = 0; p < P; p++) {
      const dot = (v: number[]): number => v.reduce((s, x, i) => s + x * ctx[p]![i]!, 0);
      const scores = [
        dot(ztwk[p]!),
        ...Array.from({ length: N }, (_, j) => dot(ztwk[negatives[k - 1]![p * N + j]!]!)),
      ];
      const max = Math.max(...scores);
      const lse = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
      lk += lse - scores[0]!;
      // Strict: a tie is a miss, except with a negative that is the positive itself (left out).
      const others = scores.slice(1).filter((_, j) => negatives[k - 1]![p * N + j] !== p);
      ak += others.every((v) => v < scores[0]!) ? 1 : 0;
    }
    loss += lk / P;
    acc += ak / P;
  }
  return { loss: loss / K, accuracy: acc / K };
}

forEachBackend('grid InfoNCE', () => {
  it('equals log(N+1) with accuracy 0 when all scores tie (zero predictor): a tie is not a hit', async () => {
    const rng = new Rng(1);
    const [B, G, C, K, N] = [2, 7, 3, 5, 16];
    const z = tf.tensor(randomValues(rng, B * G * G * C), [B, G, G, C]);
    const w = tf.zeros([C, K * C]);
    const { loss, accuracy } = gridInfoNceWithDraw(
      z,
      z,
      w,
      K,
      N,
      drawGridNegatives(B, G, G, K, N, rng),
    );
    assertAllClose(await loss.data(), [Math.log(N + 1)], { rtol: 1e-6 }, 'loss');
    assert.equal((await accuracy.data())[0], 0);
    tf.dispose([loss, accuracy, z, w]);
  });

  it('a drawn negative that is the positive itself is left out of the accuracy, not a tie', async () => {
    const rng = new Rng(3);
    const [B, G, C, K, N] = [1, 4, 2, 1, 3];
    const z = tf.tensor(randomValues(rng, B * G * G * C), [B, G, G, C]);
    const w = tf.zeros([C, K * C]); // every score 0: the positive ties with everything
    const P = B * (G - K - 1) * G; // context positions of k = 1 (GRID_SKIP = 1)
    // Row p's negatives are all p itself: no other candidate, so nothing beats or ties the positive.
    const onlySelf = [Int32Array.from({ length: P * N }, (_, i) => Math.floor(i / N))];
    const self = gridInfoNceWithDraw(z, z, w, K, N, onlySelf);
    assert.equal((await self.accuracy.data())[0], 1);
    // One other row among them: a tie with a different row is a miss.
    const oneOther = [
      Int32Array.from({ length: P * N }, (_, i) =>
        i % N === 0 ? (Math.floor(i / N) + 1) % P : Math.floor(i / N),
      ),
    ];
    const other = gridInfoNceWithDraw(z, z, w, K, N, oneOther);
    assert.equal((await other.accuracy.data())[0], 0);
    tf.dispose([self.loss, self.accuracy, other.loss, other.accuracy, z, w]);
  });

  it('agrees with the slow reference to 1e-5 (c ≠ z, 7×7 grid)', async () => {
    const rng = new Rng(2);
    const [B, G, C, K, N] = [2, 7, 4, 5, 6];
    const zv = randomValues(rng, B * G * G * C);
    const cv = randomValues(rng, B * G * G * C);
    const wv = randomValues(rng, C * K * C, 0.5);
    const negatives = drawGridNegatives(B, G, G, K, N, rng);
    const expected = referenceGridInfoNce(zv, cv, wv, [B, G, G, C], K, N, negatives);
    const z = tf.tensor(zv, [B, G, G, C]);
    const c = tf.tensor(cv, [B, G, G, C]);
    const w = tf.tensor(wv, [C, K * C]);
    await expectNoLeaks(async () => {
      const { loss, accuracy } = gridInfoNceWithDraw(z, c, w, K, N, negatives);
      assertAllClose(await loss.data(), [expected.loss], { rtol: 1e-5, atol: 1e-6 }, 'loss');
      assertAllClose(
        await accuracy.data(),
        [expected.accuracy],
        { rtol: 1e-6, atol: 1e-6 },
        'accuracy',
      );
      tf.dispose([loss, accuracy]);
    }, 'gridInfoNceWithDraw');
    tf.dispose([z, c, w]);
  });

  it('gradients agree with central finite differences (z, c and W)', async () => {
    const rng = new Rng(3);
    const [B, G, C, K, N] = [2, 5, 2, 2, 3];
    const shape = [B, G, G, C];
    const zv = randomValues(rng, B * G * G * C);
    const cv = randomValues(rng, B * G * G * C);
    const wv = randomValues(rng, C * K * C, 0.5);
    const negatives = drawGridNegatives(B, G, G, K, N, rng);
    const lossOf = (z: Float32Array, c: Float32Array, w: Float32Array): number =>
      tf.tidy(
        () =>
          gridInfoNceWithDraw(
            tf.tensor(z, shape),
            tf.tensor(c, shape),
            tf.tensor(w, [C, K * C]),
            K,
            N,
            negatives,
          ).loss.dataSync()[0]!,
      );
    const grads = tf.tidy(() =>
      tf
        .grads((z, c, w) => gridInfoNceWithDraw(z!, c!, w!, K, N, negatives).loss)([
          tf.tensor(zv, shape),
          tf.tensor(cv, shape),
          tf.tensor(wv, [C, K * C]),
        ])
        .map((g) => g.dataSync() as Float32Array),
    );
    const eps = 1e-2;
    [zv, cv, wv].forEach((base, which) => {
      for (const i of [0, 5, Math.floor(base.length / 2), base.length - 1]) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[i]! += eps;
        minus[i]! -= eps;
        const args = (v: Float32Array): [Float32Array, Float32Array, Float32Array] =>
          which === 0 ? [v, cv, wv] : which === 1 ? [zv, v, wv] : [zv, cv, v];
        const numeric = (lossOf(...args(plus)) - lossOf(...args(minus))) / (2 * eps);
        assertAllClose(
          [grads[which]![i]!],
          [numeric],
          { rtol: 2e-2, atol: 2e-3 },
          `d loss / d ${['z', 'c', 'W'][which]}[${i}]`,
        );
      }
    });
  });

  it('GridInfoNce: a predictor that knows the target row drives the loss towards 0', async () => {
    const rng = new Rng(4);
    // One image; z one-hot in its row index, c = z; W_k maps e_r → 30·e_{r+k+1}.
    const [G, C, K] = [7, 7, 3];
    const zv = new Float32Array(G * G * C);
    for (let r = 0; r < G; r++) for (let col = 0; col < G; col++) zv[(r * G + col) * C + r] = 1;
    const head = new GridInfoNce(C, { predictionSteps: K, negativeSamples: 8 }, rng);
    // score = c · (W_k z_target): with c = e_r and z_target = e_{r+k+1}, need W_k[r+k+1 → r] large.
    const wv = new Float32Array(C * K * C);
    for (let k = 1; k <= K; k++)
      for (let r = 0; r + k + 1 < C; r++) wv[(r + k + 1) * K * C + (k - 1) * C + r] = 30;
    head.predictor.weight.assign(tf.tensor(wv, [C, K * C]));
    const z = tf.tensor(zv, [1, G, G, C]);
    const { loss } = head.compute(z, z, rng);
    // Negatives in the same target row score as high as the positive: the loss is log of (1 + ties).
    const l = (await loss.data())[0]!;
    assert.ok(l < Math.log(9) - 0.5, `loss ${l} should fall well below log(N+1) = ${Math.log(9)}`);
    tf.dispose([loss, z]);
    head.dispose();
  });
});

describe('grid InfoNCE bookkeeping', () => {
  it('positives per image for k = 1..5 on a 7×7 grid: 35, 28, 21, 14, 7', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((k) => contextRows(7, k) * 7),
      [35, 28, 21, 14, 7],
    );
  });

  it('negatives are drawn with replacement from all target positions of the batch', () => {
    const [B, G, K, N] = [3, 7, 5, 16];
    const draws = drawGridNegatives(B, G, G, K, N, new Rng(7));
    draws.forEach((idx, i) => {
      const P = B * contextRows(G, i + 1) * G;
      assert.equal(idx.length, P * N);
      const seen = new Set<number>();
      for (const v of idx) {
        assert.ok(v >= 0 && v < P);
        seen.add(v);
      }
      // Draws span (nearly) the whole pool, across images.
      assert.ok(
        seen.size > 0.9 * Math.min(P, idx.length / 3),
        `k=${i + 1}: ${seen.size} of ${P} positions drawn`,
      );
      // With replacement: some context gets a repeated negative.
      let repeats = 0;
      for (let p = 0; p < P; p++) if (new Set(idx.subarray(p * N, (p + 1) * N)).size < N) repeats++;
      assert.ok(P < 10 || repeats > 0, `k=${i + 1}: no repeated draws`);
    });
  });
});
