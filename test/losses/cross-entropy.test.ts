import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { softmaxCrossEntropy } from '../../src/losses/cross-entropy.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertAllClose } from '../helpers/assert-close.js';
import { expectNoLeaks } from '../helpers/leaks.js';

/** Mean of log Σ_k e^{z_k} − z_y, in float64 with the row max subtracted. */
function referenceCrossEntropy(logits: number[][], labels: number[]): number {
  let sum = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
    sum += logSumExp - row[labels[i]!]!;
  });
  return sum / logits.length;
}

const logits = [
  [2, -1, 0.5],
  [0, 0, 0],
  [-3, 4, 1],
  [1000, 0, -1000], // a naive log(softmax) would give -inf / NaN here
];
const labels = [0, 2, 1, 2];

forEachBackend('softmax cross-entropy', () => {
  it('equals the float64 log-sum-exp reference, for tensor and Int32Array labels', async () => {
    await expectNoLeaks(() => {
      const z = tf.tensor2d(logits); // [4, 3]
      const y = tf.tensor1d(labels, 'int32'); // [4]
      const fromTensor = softmaxCrossEntropy(z, y, 3);
      const fromArray = softmaxCrossEntropy(z, Int32Array.from(labels), 3);
      assertAllClose([fromTensor.dataSync()[0]!], [referenceCrossEntropy(logits, labels)], {
        rtol: 1e-5,
      });
      assert.equal(fromArray.dataSync()[0], fromTensor.dataSync()[0]);
      tf.dispose([z, y, fromTensor, fromArray]);
    }, 'softmaxCrossEntropy');
  });

  it('has gradient (softmax − onehot) / N with respect to the logits', () => {
    const z = tf.tensor2d(logits.slice(0, 3)); // [3, 3]
    const grad = tf.grad((x: tf.Tensor) =>
      softmaxCrossEntropy(x, Int32Array.from(labels.slice(0, 3)), 3),
    )(z);
    const expected = logits.slice(0, 3).flatMap((row, i) => {
      const e = row.map((v) => Math.exp(v - Math.max(...row)));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v, k) => (v / s - (k === labels[i] ? 1 : 0)) / 3);
    });
    assertAllClose(Array.from(grad.dataSync()), expected, { atol: 1e-6 });
    tf.dispose([z, grad]);
  });
});
