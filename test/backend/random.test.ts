import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/backend/random.js';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xa = Array.from({ length: 5 }, () => a.nextUint32());
    const xb = Array.from({ length: 5 }, () => b.nextUint32());
    const xc = Array.from({ length: 5 }, () => c.nextUint32());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });

  it('resumes exactly from a saved state', () => {
    const a = new Rng(3);
    a.normal();
    const state = a.getState();
    const expected = [a.normal(), a.uniform(), a.int(10)];
    const b = new Rng(99);
    b.setState(state);
    assert.deepEqual([b.normal(), b.uniform(), b.int(10)], expected);
  });

  it('has uniform mean 1/2 and normal mean 0, variance 1', () => {
    const r = new Rng(1);
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      su += r.uniform();
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    assert.ok(Math.abs(su / n - 0.5) < 0.01);
    assert.ok(Math.abs(sn / n) < 0.03);
    assert.ok(Math.abs(sn2 / n - 1) < 0.05);
  });

  it('permutation contains every index once', () => {
    const p = Array.from(new Rng(5).permutation(100)).sort((x, y) => x - y);
    assert.deepEqual(
      p,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });
});
