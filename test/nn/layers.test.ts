import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { Conv1d, conv1dOutputLength } from '../../src/nn/conv1d.js';
import { Gru } from '../../src/nn/gru.js';
import { Linear } from '../../src/nn/linear.js';
import { parameterCount } from '../../src/nn/module.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { expectNoLeaks } from '../helpers/leaks.js';
import { nest, referenceConv1d, referenceGru } from '../reference/nn.js';

function randomTensor(rng: Rng, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rng.normal()),
    shape,
  );
}

forEachBackend('nn layers', () => {
  it('GRU matches a hand-written PyTorch-equation reference over several steps', async () => {
    const rng = new Rng(11);
    const gru = new Gru(3, 4, rng);
    const x = randomTensor(rng, [2, 5, 3]);
    const yv = await expectNoLeaks(async () => {
      const y = tf.tidy(() => gru.forward(x));
      assert.deepEqual(y.shape, [2, 5, 4]);
      const values = await y.data();
      y.dispose();
      return values;
    }, 'GRU.forward');
    const xv = await x.data();
    const wIh = nest(await gru.weightIh.data(), [3, 12]);
    const wHh = nest(await gru.weightHh.data(), [4, 12]);
    const bIh = Array.from(await gru.biasIh.data());
    const bHh = Array.from(await gru.biasHh.data());
    for (let b = 0; b < 2; b++) {
      const seq = nest(xv.slice(b * 15, (b + 1) * 15), [5, 3]);
      const ref = referenceGru(seq, wIh, wHh, bIh, bHh, 4).flat();
      assertAllClose(
        yv.slice(b * 20, (b + 1) * 20),
        ref,
        { rtol: 1e-5, atol: 1e-6 },
        `GRU batch ${b}`,
      );
    }
    x.dispose();
    gru.dispose();
  });

  it('Conv1d matches a direct convolution with PyTorch padding (k10 s5 p2, k4 s2 p1)', async () => {
    const rng = new Rng(12);
    for (const [k, s, p, cin, cout, t] of [
      [10, 5, 2, 1, 3, 41],
      [4, 2, 1, 3, 2, 17],
      [8, 4, 2, 2, 2, 30],
    ] as const) {
      const conv = new Conv1d(
        { inChannels: cin, outChannels: cout, kernel: k, stride: s, padding: p },
        rng,
      );
      const x = randomTensor(rng, [2, t, cin]);
      const tOut = conv1dOutputLength(t, { kernel: k, stride: s, padding: p });
      const yv = await expectNoLeaks(async () => {
        const y = tf.tidy(() => conv.forward(x));
        assert.deepEqual(y.shape, [2, tOut, cout]);
        const values = await y.data();
        y.dispose();
        return values;
      }, 'Conv1d.forward');
      const w = nest(await conv.weight.data(), [k, cin, cout]);
      const bias = Array.from(await conv.bias.data());
      const xv = await x.data();
      for (let b = 0; b < 2; b++) {
        const ref = referenceConv1d(
          nest(xv.slice(b * t * cin, (b + 1) * t * cin), [t, cin]),
          w,
          bias,
          s,
          p,
        ).flat();
        assertAllClose(
          yv.slice(b * tOut * cout, (b + 1) * tOut * cout),
          ref,
          { rtol: 1e-5, atol: 1e-5 },
          `conv k${k}`,
        );
      }
      x.dispose();
      conv.dispose();
    }
  });

  it('Linear computes x·W + b on the last axis and can omit the bias', async () => {
    const rng = new Rng(13);
    const lin = new Linear(3, 2, rng);
    const noBias = new Linear(3, 2, rng, { bias: false });
    assert.equal(parameterCount(lin), 8);
    assert.equal(parameterCount(noBias), 6);
    const x = tf.tensor([[[1, 2, 3]]]);
    const y = lin.forward(x);
    assert.deepEqual(y.shape, [1, 1, 2]);
    const w = await lin.weight.data();
    const b = await lin.bias!.data();
    const expected = [0, 1].map((j) => 1 * w[j]! + 2 * w[2 + j]! + 3 * w[4 + j]! + b[j]!);
    assertAllClose(await y.data(), expected, { rtol: 1e-6 });
    tf.dispose([x, y]);
    lin.dispose();
    noBias.dispose();
  });
});

it('PyTorch default init: weights and biases lie within ±1/√fan_in', async () => {
  const rng = new Rng(1);
  const conv = new Conv1d(
    { inChannels: 4, outChannels: 8, kernel: 10, stride: 5, padding: 2 },
    rng,
  );
  const bound = 1 / Math.sqrt(40);
  const w = await conv.weight.data();
  let maxAbs = 0;
  for (const v of w) maxAbs = Math.max(maxAbs, Math.abs(v));
  assert.ok(maxAbs <= bound && maxAbs > 0.9 * bound, `max |w| ${maxAbs} vs bound ${bound}`);
  conv.dispose();
});

it('paper-size parameter counts: conv2 2,097,664 and GRU 591,360', () => {
  const rng = new Rng(0);
  const conv2 = new Conv1d(
    { inChannels: 512, outChannels: 512, kernel: 8, stride: 4, padding: 2 },
    rng,
  );
  const gru = new Gru(512, 256, rng);
  assert.equal(parameterCount(conv2), 2_097_664);
  assert.equal(parameterCount(gru), 591_360);
  conv2.dispose();
  gru.dispose();
});
