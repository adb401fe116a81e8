/**
 * The one place that imports TensorFlow.js. Everything else in the library imports `tf` from
 * here, so the engine under our tensors can change without touching model code.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient functions; the umbrella package does.
// Without this import `variableGrads` fails with "gradient function not found for Sum".
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type { Tensor, Variable, Rank, TensorLike, NamedTensorMap } from '@tensorflow/tfjs-core';
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Tensor3D = tf.Tensor3D;
export type Tensor4D = tf.Tensor4D;
export type Scalar = tf.Scalar;
