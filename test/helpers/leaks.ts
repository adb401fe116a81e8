/** Fails when a function leaves tensors behind. */
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';

export async function expectNoLeaks<T>(fn: () => T | Promise<T>, label = 'function'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `${label} leaked ${after - before} tensors`);
  return result;
}
