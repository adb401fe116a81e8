/**
 * PyTorch's default initialisations (spec §8), as pure functions over a seeded Rng, so weights
 * are identical on every backend for a given seed.
 */
import { tf, type Variable } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';

/** U(−bound, bound) samples. */
export function uniformValues(rng: Rng, size: number, bound: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/**
 * PyTorch's Conv/Linear default: kaiming_uniform(a=√5) for weights and U(±1/√fan_in) for biases;
 * both reduce to the bound 1/√fan_in, fan_in = in_channels × kernel area.
 */
export function torchDefaultBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

/** Xavier (Glorot) normal: N(0, 2/(fan_in + fan_out)). */
export function xavierNormalValues(
  rng: Rng,
  size: number,
  fanIn: number,
  fanOut: number,
): Float32Array {
  const std = Math.sqrt(2 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
}

let variableCounter = 0;

/**
 * A trainable variable with a unique engine name. TensorFlow.js requires globally unique names,
 * so the stable name used in checkpoints lives in the owning module, not here.
 */
export function makeVariable(values: Float32Array, shape: number[], label: string): Variable {
  variableCounter += 1;
  const initial = tf.tensor(values, shape, 'float32');
  const v = tf.variable(initial, true, `${label}_${variableCounter}`);
  initial.dispose(); // the variable holds its own reference to the data
  return v;
}
