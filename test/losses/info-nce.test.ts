import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { SequenceInfoNce, infoNceWithDraw } from '../../src/losses/info-nce.js';
import {
  drawNegatives,
  permutationTail,
  NEGATIVE_SAMPLING_METHODS,
} from '../../src/losses/negatives.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { expectNoLeaks } from '../helpers/leaks.js';
import { nest } from '../reference/nn.js';
import { referenceInfoNce } from '../reference/info-nce.js';

function randomValues(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

forEachBackend('sequence InfoNCE', () => {
  it('equals log(N+1) with accuracy 0 when all scores tie (zero predictor): a tie is not a hit', async () => {
    const rng = new Rng(1);
    const z = tf.tensor(randomValues(rng, 2 * 20 * 4), [2, 20, 4]);
    const c = tf.tensor(randomValues(rng, 2 * 20 * 3), [2, 20, 3]);
    const w = tf.zeros([3, 4 * 5]);
    for (const method of NEGATIVE_SAMPLING_METHODS) {
      const draw = drawNegatives(
        { batch: 2, length: 20, predictionSteps: 5, negativeSamples: 7, subsampleWindow: 0 },
        method,
        rng,
      );
      const { loss, accuracy } = infoNceWithDraw(z, c, w, 5, 7, draw);
      assertAllClose(
        [await loss.data()].map((d) => d[0]!),
        [Math.log(8)],
        { rtol: 1e-6 },
        method,
      );
      assert.equal((await accuracy.data())[0], 0, 'accuracy');
      tf.dispose([loss, accuracy]);
    }
    tf.dispose([z, c, w]);
  });

  for (const method of NEGATIVE_SAMPLING_METHODS) {
    it(`agrees with the slow reference to 1e-5 (${method}, with a subsample window)`, async () => {
      const rng = new Rng(2);
      const [B, L, C, D, K, N] = [2, 14, 3, 4, 4, 5];
      const zv = randomValues(rng, B * L * C);
      const cv = randomValues(rng, B * L * D);
      const wv = randomValues(rng, D * K * C, 0.5);
      const draw = drawNegatives(
        { batch: B, length: L, predictionSteps: K, negativeSamples: N, subsampleWindow: 9 },
        method,
        rng,
      );
      assert.equal(draw.windowLength, 9);
      const expected = referenceInfoNce(
        nest(zv, [B, L, C]),
        nest(cv, [B, L, D]),
        nest(wv, [D, K * C]),
        K,
        N,
        draw,
      );
      const z = tf.tensor(zv, [B, L, C]);
      const c = tf.tensor(cv, [B, L, D]);
      const w = tf.tensor(wv, [D, K * C]);
      await expectNoLeaks(async () => {
        const { loss, accuracy } = infoNceWithDraw(z, c, w, K, N, draw);
        assertAllClose(await loss.data(), [expected.loss], { rtol: 1e-5, atol: 1e-6 }, 'loss');
        const acc = (await accuracy.data())[0]!;
        assert.ok(
          acc >= expected.accuracyTiesWrong - 1e-6 && acc <= expected.accuracy + 1e-6,
          `accuracy ${acc} outside [${expected.accuracyTiesWrong}, ${expected.accuracy}]`,
        );
        tf.dispose([loss, accuracy]);
      }, 'infoNceWithDraw');
      tf.dispose([z, c, w]);
    });
  }

  it('gradients agree with central finite differences (W, z and c)', async () => {
    const rng = new Rng(3);
    const [B, L, C, D, K, N] = [2, 8, 3, 2, 3, 4];
    const zv = randomValues(rng, B * L * C);
    const cv = randomValues(rng, B * L * D);
    const wv = randomValues(rng, D * K * C, 0.5);
    const draw = drawNegatives(
      { batch: B, length: L, predictionSteps: K, negativeSamples: N, subsampleWindow: 0 },
      'batch-permutation',
      rng,
    );
    const lossOf = (z: Float32Array, c: Float32Array, w: Float32Array): number =>
      tf.tidy(() => {
        const r = infoNceWithDraw(
          tf.tensor(z, [B, L, C]),
          tf.tensor(c, [B, L, D]),
          tf.tensor(w, [D, K * C]),
          K,
          N,
          draw,
        );
        return r.loss.dataSync()[0]!;
      });
    const [gz, gc, gw] = tf.tidy(() =>
      tf
        .grads((z, c, w) => infoNceWithDraw(z!, c!, w!, K, N, draw).loss)([
          tf.tensor(zv, [B, L, C]),
          tf.tensor(cv, [B, L, D]),
          tf.tensor(wv, [D, K * C]),
        ])
        .map((g) => g.dataSync()),
    ) as [Float32Array, Float32Array, Float32Array];
    const eps = 1e-2;
    const check = (which: 0 | 1 | 2, analytic: Float32Array, base: Float32Array): void => {
      for (const i of [0, 3, base.length - 1, Math.floor(base.length / 2)]) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[i]! += eps;
        minus[i]! -= eps;
        const args = (v: Float32Array): [Float32Array, Float32Array, Float32Array] =>
          which === 0 ? [v, cv, wv] : which === 1 ? [zv, v, wv] : [zv, cv, v];
        const numeric = (lossOf(...args(plus)) - lossOf(...args(minus))) / (2 * eps);
        assertAllClose(
          [analytic[i]!],
          [numeric],
          { rtol: 2e-2, atol: 2e-3 },
          `d loss / d ${['z', 'c', 'W'][which]}[${i}]`,
        );
      }
    };
    check(0, gz, zv);
    check(1, gc, cv);
    check(2, gw, wv);
  });

  it('SequenceInfoNce: a predictor that knows the future drives the loss towards 0', async () => {
    const rng = new Rng(4);
    // z is one-hot in time-varying channels; c = z; with W_k mapping e_t → 5·e_{t+k} the positive dominates.
    const [B, L, C, K] = [1, 12, 12, 2]; // one sequence: no identical rows to tie with
    const zv = new Float32Array(B * L * C);
    for (let b = 0; b < B; b++) for (let t = 0; t < L; t++) zv[(b * L + t) * C + t] = 1;
    const head = new SequenceInfoNce(
      C,
      C,
      { predictionSteps: K, negativeSamples: 6, sampling: 'offset', subsampleWindow: 0 },
      rng,
    );
    const wv = new Float32Array(C * K * C);
    for (let k = 1; k <= K; k++)
      for (let t = 0; t + k < C; t++) wv[t * K * C + (k - 1) * C + t + k] = 20;
    head.predictor.weight.assign(tf.tensor(wv, [C, K * C]));
    const z = tf.tensor(zv, [B, L, C]);
    const { loss, accuracy } = head.compute(z, z, rng);
    assert.ok((await loss.data())[0]! < 1e-6, `loss ${(await loss.data())[0]}`);
    assertAllClose(await accuracy.data(), [1], { atol: 1e-5 }, 'accuracy');
    tf.dispose([loss, accuracy, z]);
    head.dispose();
  });
});

describe('negative sampling', () => {
  it("'offset' (method 0) never picks the positive and stays inside step k's rows", () => {
    const rng = new Rng(5);
    const draw = drawNegatives(
      { batch: 3, length: 30, predictionSteps: 12, negativeSamples: 10, subsampleWindow: 0 },
      'offset',
      rng,
    );
    assert.equal(draw.source, 'step');
    draw.negatives.forEach((idx, i) => {
      const R = 3 * (30 - (i + 1));
      assert.equal(idx.length, R * 10);
      for (let r = 0; r < R; r++) {
        for (let n = 0; n < 10; n++) {
          const v = idx[r * 10 + n]!;
          assert.ok(v !== r && v >= 0 && v < R, `k=${i + 1} row ${r}: negative ${v}`);
        }
      }
    });
  });

  it("'batch-permutation': the tail equals the last entries of a full Fisher–Yates permutation", () => {
    const n = 50;
    const m = 17;
    const a = new Rng(9);
    const full = Array.from({ length: n }, (_, i) => i);
    for (let pos = n - 1; pos > n - 1 - m; pos--) {
      const j = a.int(pos + 1);
      [full[pos], full[j]] = [full[j]!, full[pos]!];
    }
    assert.deepEqual(Array.from(permutationTail(new Rng(9), n, m)), full.slice(n - m));
  });

  it("'batch-permutation': step k uses the last B·(Lw−k) rows of each permutation (distinct within a negative slot)", () => {
    const rng = new Rng(6);
    const B = 2;
    const L = 40;
    const draw = drawNegatives(
      { batch: B, length: L, predictionSteps: 3, negativeSamples: 4, subsampleWindow: 16 },
      'batch-permutation',
      rng,
    );
    assert.ok(draw.windowStart >= 0 && draw.windowStart < L - 16);
    const k1 = draw.negatives[0]!;
    const k3 = draw.negatives[2]!;
    const R1 = B * 15;
    const R3 = B * 13;
    for (let n = 0; n < 4; n++) {
      const col1 = Array.from({ length: R1 }, (_, r) => k1[r * 4 + n]!);
      const col3 = Array.from({ length: R3 }, (_, r) => k3[r * 4 + n]!);
      assert.equal(new Set(col1).size, R1, 'rows of one permutation are distinct');
      assert.deepEqual(
        col3,
        col1.slice(R1 - R3),
        'shortening from the front, as the reference does',
      );
      assert.ok(
        col1.every((v) => v >= 0 && v < B * L),
        'negatives come from the full sequence',
      );
    }
  });

  it("'batch-permutation': every row is equally likely (chi-square)", () => {
    const rng = new Rng(7);
    const rows = 20;
    const counts = new Array<number>(rows).fill(0);
    const trials = 4000;
    for (let t = 0; t < trials; t++) for (const v of permutationTail(rng, rows, 5)) counts[v]! += 1;
    const expected = (trials * 5) / rows;
    const chi2 = counts.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 43.8, `chi2 ${chi2} over 19 degrees of freedom (p = 0.001 bound 43.8)`);
  });

  it("'within-sequence' (method 2) only picks rows of the same sequence", () => {
    const rng = new Rng(8);
    const B = 3;
    const L = 20;
    const draw = drawNegatives(
      { batch: B, length: L, predictionSteps: 4, negativeSamples: 5, subsampleWindow: 0 },
      'within-sequence',
      rng,
    );
    draw.negatives.forEach((idx, i) => {
      const Lk = L - (i + 1);
      for (let r = 0; r < B * Lk; r++) {
        const b = Math.floor(r / Lk);
        for (let n = 0; n < 5; n++) assert.equal(Math.floor(idx[r * 5 + n]! / L), b);
      }
    });
  });

  it('rejects K that leaves no positive position', () => {
    const rng = new Rng(9);
    const head = new SequenceInfoNce(
      2,
      2,
      { predictionSteps: 8, negativeSamples: 2, sampling: 'batch-permutation', subsampleWindow: 0 },
      rng,
    );
    const z = tf.zeros([1, 8, 2]);
    assert.throws(
      () => head.compute(z, z, rng),
      /predictionSteps K = 8 needs a sequence longer than K, but the scored window has 8 steps/,
    );
    z.dispose();
    head.dispose();
  });
});
