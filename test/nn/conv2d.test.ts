import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { Conv2d, conv2dOutputSize } from '../../src/nn/conv2d.js';
import { PixelCnn, ONLY_VERT_MASK_3X3 } from '../../src/nn/pixel-cnn.js';
import { parameterCount } from '../../src/nn/module.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { expectNoLeaks } from '../helpers/leaks.js';

function randomValues(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Direct PyTorch-semantics conv on NHWC arrays with an HWIO weight (zero padding). */
function referenceConv2d(
  x: Float32Array,
  [B, H, W, Ci]: number[],
  w: Float32Array,
  [kh, kw, , Co]: number[],
  bias: Float32Array | null,
  stride: number,
  [ph, pw]: number[],
): { values: Float32Array; shape: number[] } {
  const OH = conv2dOutputSize(H!, kh!, stride, ph!);
  const OW = conv2dOutputSize(W!, kw!, stride, pw!);
  const out = new Float32Array(B! * OH * OW * Co!);
  for (let b = 0; b < B!; b++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let o = 0; o < Co!; o++) {
          let s = bias ? bias[o]! : 0;
          for (let dy = 0; dy < kh!; dy++)
            for (let dx = 0; dx < kw!; dx++) {
              const iy = oy * stride + dy - ph!;
              const ix = ox * stride + dx - pw!;
              if (iy < 0 || ix < 0 || iy >= H! || ix >= W!) continue;
              for (let i = 0; i < Ci!; i++)
                s +=
                  x[((b * H! + iy) * W! + ix) * Ci! + i]! *
                  w[((dy * kw! + dx) * Ci! + i) * Co! + o]!;
            }
          out[((b * OH + oy) * OW + ox) * Co! + o] = s;
        }
  return { values: out, shape: [B!, OH, OW, Co!] };
}

forEachBackend('Conv2d', () => {
  for (const [kernel, stride, padding] of [
    [5, 1, 2],
    [3, 2, 1],
    [1, 2, 0],
    [[1, 3], 1, [0, 1]],
  ] as const) {
    it(`matches a direct convolution (kernel ${kernel}, stride ${stride}, padding ${padding})`, async () => {
      const rng = new Rng(1);
      const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernel, stride, padding }, rng);
      const shape = [2, 6, 5, 3];
      const xv = randomValues(rng, 2 * 6 * 5 * 3);
      const x = tf.tensor(xv, shape);
      const ref = referenceConv2d(
        xv,
        shape,
        (await conv.weight.data()) as Float32Array,
        conv.weight.shape,
        (await conv.bias!.data()) as Float32Array,
        stride,
        conv.padding,
      );
      await expectNoLeaks(async () => {
        const y = tf.tidy(() => conv.forward(x));
        assert.deepEqual(y.shape, ref.shape);
        assertAllClose(await y.data(), ref.values, { rtol: 1e-4, atol: 1e-5 }, 'conv output');
        y.dispose();
      }, 'Conv2d.forward');
      x.dispose();
      conv.dispose();
    });
  }

  it('a masked kernel ignores the masked taps and gives them no gradient', async () => {
    const rng = new Rng(2);
    const conv = new Conv2d(
      { inChannels: 2, outChannels: 2, kernel: 3, padding: 1, mask: ONLY_VERT_MASK_3X3 },
      rng,
    );
    const x = tf.tensor(randomValues(rng, 1 * 4 * 4 * 2), [1, 4, 4, 2]);
    const { grads } = tf.variableGrads(() => tf.sum(conv.forward(x)) as tf.Scalar, [conv.weight]);
    const g = (await grads[conv.weight.name]!.data()) as Float32Array;
    for (let tap = 6; tap < 9; tap++)
      for (let j = 0; j < 4; j++) assert.equal(Math.abs(g[tap * 4 + j]!), 0, `tap ${tap}`);
    // Changing the row below the output row does not change it.
    const y0 = tf.tidy(() => conv.forward(x).dataSync() as Float32Array);
    const xv = (await x.data()) as Float32Array;
    const x2v = Float32Array.from(xv);
    for (let i = 3 * 4 * 2; i < 4 * 4 * 2; i++) x2v[i] = 99; // row 3
    const x2 = tf.tensor(x2v, [1, 4, 4, 2]);
    const y1 = tf.tidy(() => conv.forward(x2).dataSync() as Float32Array);
    assertAllClose(
      y1.slice(0, 3 * 4 * 2),
      y0.slice(0, 3 * 4 * 2),
      { rtol: 1e-6, atol: 1e-6 },
      'rows 0..2 unchanged',
    );
    tf.dispose([x, x2, ...Object.values(grads)]);
    conv.dispose();
  });

  it('PixelCNN: output rows depend only on rows at or above; parameter count', async () => {
    const rng = new Rng(3);
    const C = 3;
    const net = new PixelCnn(C, 4, rng);
    // Per gated layer: vertical 9C·2C+2C, vToH 2C·2C+2C, horizontal 3C·2C+2C, horizontalOutput C·C+C,
    // plus (secondary) verticalResidual C·2C+2C; then the output 1×1 C·C+C.
    const primary = 9 * C * 2 * C + 2 * C + 4 * C * C + 2 * C + 3 * C * 2 * C + 2 * C + C * C + C;
    assert.equal(parameterCount(net), primary + 3 * (primary + 2 * C * C + 2 * C) + C * C + C);
    const G = 5;
    const xv = randomValues(rng, G * G * C);
    const x = tf.tensor(xv, [1, G, G, C]);
    const y0 = await expectNoLeaks(async () => {
      const y = tf.tidy(() => net.forward(x));
      const v = (await y.data()) as Float32Array;
      y.dispose();
      return v;
    }, 'PixelCnn.forward');
    const rowLen = G * C;
    const changed = Float32Array.from(xv);
    for (let i = 3 * rowLen; i < G * rowLen; i++) changed[i] = changed[i]! + 5; // rows 3..4
    const x2 = tf.tensor(changed, [1, G, G, C]);
    const y1 = tf.tidy(() => net.forward(x2).dataSync() as Float32Array);
    assertAllClose(
      y1.slice(0, 3 * rowLen),
      y0.slice(0, 3 * rowLen),
      { rtol: 1e-5, atol: 1e-6 },
      'rows 0..2',
    );
    assert.ok(Math.abs(y1[3 * rowLen]! - y0[3 * rowLen]!) > 1e-4, 'row 3 sees its own row');
    tf.dispose([x, x2]);
    net.dispose();
  });
});
