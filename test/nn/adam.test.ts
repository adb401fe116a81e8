import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Adam } from '../../src/nn/adam.js';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend('Adam warm-up', () => {
  it('update t moves a weight by lr·min(1, t/warmup) when the gradient is constant', async () => {
    // With a constant gradient g, m̂ = g and v̂ = g² exactly, so every update is lr_t·g/(|g|+ε).
    const lr = 0.1;
    const warmup = 4;
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam(new Map([['p', p]]), lr, { warmupSteps: warmup });
    const plain = tf.variable(tf.tensor1d([1, -2]));
    const reference = new Adam(new Map([['p', plain]]), lr);
    const g = tf.tensor1d([0.5, -3]);
    let last = Array.from(await p.data());
    for (let t = 1; t <= 6; t++) {
      adam.apply({ [p.name]: g });
      reference.apply({ [plain.name]: g });
      const now = Array.from(await p.data());
      const moved = now.map((v, i) => last[i]! - v);
      const want = lr * Math.min(1, t / warmup);
      assert.ok(Math.abs(moved[0]! - want) < 1e-5, `step ${t}: moved ${moved[0]} want ${want}`);
      assert.ok(Math.abs(moved[1]! + want) < 1e-5, `step ${t}: moved ${moved[1]} want ${-want}`);
      last = now;
    }
    // Without warm-up every update is the full lr (the reference's constant schedule).
    const plainValues = await plain.data();
    assert.ok(Math.abs(1 - plainValues[0]! - 6 * lr) < 1e-5);
    tf.dispose([p, plain, g]);
    adam.dispose();
    reference.dispose();
  });
});
