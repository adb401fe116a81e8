/**
 * Softmax cross-entropy, the one loss every classifier in the project uses: the linear probes
 * (audio and vision), the supervised baselines and the greedy-supervised heads.
 */
import { tf, type Scalar, type Tensor } from '../backend/tf.js';

/**
 * Mean softmax cross-entropy of logits [N, K] against integer labels [N] (a tensor or an
 * Int32Array). log-softmax, not log(softmax), so large logits stay finite.
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor | Int32Array,
  classes: number,
): Scalar {
  return tf.tidy(() => {
    const ids = labels instanceof Int32Array ? tf.tensor1d(labels, 'int32') : labels; // [N]
    const onehot = tf.oneHot(ids, classes).toFloat(); // [N, K]
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1))) as Scalar;
  });
}
