import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { forEachBackend } from '../helpers/backends.js';
import { expectNoLeaks } from '../helpers/leaks.js';
import { deadChannelFraction } from '../../src/core/train-step.js';
import {
  CollapseMonitor,
  COLLAPSE_MIN_STEPS,
  COLLAPSE_WINDOW,
  infoNceChance,
} from '../../src/core/collapse.js';

forEachBackend('dead channel fraction', () => {
  it('counts channels constant over every position: dead ReLU (0) and pinned tanh (1)', async () => {
    // [B=2, T=3, C=4]: channel 0 always 0, channel 1 always 1, channels 2 and 3 vary.
    const v = [];
    for (let i = 0; i < 6; i++) v.push(0, 1, i * 0.5, (i % 2) - 0.25);
    const x = tf.tensor(v, [2, 3, 4]);
    await expectNoLeaks(async () => {
      const f = deadChannelFraction(x);
      assert.equal((await f.data())[0], 0.5);
      f.dispose();
    }, 'deadChannelFraction');
    const flat = tf.fill([5, 3], 0.7);
    const all = deadChannelFraction(flat);
    assert.equal((await all.data())[0], 1, 'every channel constant: all dead');
    tf.dispose([x, flat, all]);
  });
});

const stats = (accuracy: number, deadFraction: number, loss = 1) => ({
  loss,
  accuracy,
  deadFraction,
});

describe('collapse monitor', () => {
  it('warns once when half the channels stay dead over a full window', () => {
    const monitor = new CollapseMonitor(infoNceChance(10));
    const warnings = [];
    for (let s = 1; s <= 3 * COLLAPSE_WINDOW; s++)
      warnings.push(...monitor.observe(s, [stats(0.5, 0), stats(0.5, 0.6)]));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.module, 2);
    assert.equal(warnings[0]!.kind, 'dead-units');
    assert.equal(warnings[0]!.step, COLLAPSE_WINDOW, 'as soon as the window is full');
    assert.match(warnings[0]!.message, /module 2: 60 % of its feature channels are dead/);
  });

  it('warns when accuracy stays at or below chance after the warm-up, not before', () => {
    const monitor = new CollapseMonitor(infoNceChance(10)); // chance 1/11
    const warnings = [];
    for (let s = 1; s <= COLLAPSE_MIN_STEPS + 50; s++)
      warnings.push(...monitor.observe(s, [stats(0, 0, Math.log(11)), null, stats(0.6, 0)]));
    assert.equal(warnings.length, 1, warnings.map((w) => w.message).join('; '));
    assert.equal(warnings[0]!.kind, 'chance');
    assert.equal(warnings[0]!.module, 1);
    assert.equal(warnings[0]!.step, COLLAPSE_MIN_STEPS);
    assert.match(warnings[0]!.message, /0\.0 % \(chance 9\.1 %\), loss 2\.398/);
  });

  it('near chance with a loss near ln(N+1) is stuck; twice chance with a high loss is learning', () => {
    const chance = infoNceChance(10); // 9.1 %, ln 11 = 2.398
    const stuckRun = new CollapseMonitor(chance);
    const gimModule1 = new CollapseMonitor(chance);
    const stuck = [];
    for (let s = 1; s <= COLLAPSE_MIN_STEPS; s++) {
      stuck.push(...stuckRun.observe(s, [stats(0.13, 0, 2.29)])); // CPC at lr 1e-2, convs dead
      assert.deepEqual(gimModule1.observe(s, [stats(0.2, 0, 2.26)]), []); // healthy GIM module 1
    }
    assert.equal(stuck.length, 1);
    assert.equal(stuck[0]!.kind, 'chance');
  });

  it('a learning module (above chance, live channels) and a missing chance level warn of nothing', () => {
    const learning = new CollapseMonitor(infoNceChance(10));
    const noChance = new CollapseMonitor(null);
    for (let s = 1; s <= 400; s++) {
      assert.deepEqual(learning.observe(s, [stats(0.1 + s / 1000, 0.2)]), []);
      assert.deepEqual(noChance.observe(s, [stats(0, 0.1)]), []);
    }
  });
});

describe('collapse monitor state (checkpointed)', () => {
  it('a monitor restored mid-window warns at the same step as an uninterrupted one, and only once', () => {
    const feed = (m: CollapseMonitor, from: number, to: number) => {
      const steps: number[] = [];
      for (let s = from; s <= to; s++)
        for (const w of m.observe(s, [stats(0.5, 0.7)])) steps.push(w.step);
      return steps;
    };
    const whole = new CollapseMonitor(infoNceChance(10));
    assert.deepEqual(feed(whole, 1, 300), [COLLAPSE_WINDOW]);
    const first = new CollapseMonitor(infoNceChance(10));
    assert.deepEqual(feed(first, 1, 60), []);
    const resumed = new CollapseMonitor(infoNceChance(10));
    resumed.setState(JSON.parse(JSON.stringify(first.getState())));
    assert.deepEqual(feed(resumed, 61, 300), [COLLAPSE_WINDOW]);
    const again = new CollapseMonitor(infoNceChance(10));
    again.setState(JSON.parse(JSON.stringify(resumed.getState())));
    assert.deepEqual(
      feed(again, 301, 500),
      [],
      'a warning given before the checkpoint is not repeated',
    );
  });
});
