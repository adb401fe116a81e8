import { it } from 'node:test';
import assert from 'node:assert/strict';
import { alignFrames, timeMean } from '../../src/audio/probe-features.js';

it('timeMean averages each item over time', () => {
  // [B=2, T=2, D=2]
  const data = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]);
  assert.deepEqual([...timeMean({ batch: 2, frames: 2, dim: 2, data })], [2, 3, 20, 30]);
});

it('alignFrames keeps the last frames when the lengths are close (reference: cut from the front)', () => {
  const data = Float32Array.from([0, 1, 2, 3, 4]); // [T=5, D=1]
  assert.deepEqual([...alignFrames({ batch: 1, frames: 5, dim: 1, data }, 4, 4)], [1, 2, 3, 4]);
  assert.deepEqual([...alignFrames({ batch: 1, frames: 5, dim: 1, data }, 3, 4)], [2, 3, 4]);
});

it('alignFrames average-pools a finer time axis onto the label frames', () => {
  const data = Float32Array.from([0, 2, 4, 6, 8, 10, 12, 14]); // [T=8, D=1], 4 labels → bins of 2
  assert.deepEqual([...alignFrames({ batch: 1, frames: 8, dim: 1, data }, 4, 4)], [1, 5, 9, 13]);
  assert.deepEqual([...alignFrames({ batch: 1, frames: 8, dim: 1, data }, 2, 4)], [9, 13]);
});
