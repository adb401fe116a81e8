/**
 * The Gru module's gradients on every backend (the step-by-step GRU on cpu and wasm, the fused
 * oneDNN kernel on native) against finite differences of a float64 reference.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor, type Variable } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { Gru } from '../../src/nn/gru.js';
import { forEachBackend } from '../helpers/backends.js';
import { relativeError } from '../helpers/assert-close.js';
import {
  finiteDifferenceGrads,
  randomGruValues,
  referenceLoss,
  type GruShape,
} from './gru-reference.js';

const SHAPES: GruShape[] = [
  { batch: 2, steps: 4, input: 3, hidden: 4 },
  // One step: TF.js's Unpack gradient breaks on a single output, so the GRU avoids it there.
  { batch: 1, steps: 1, input: 2, hidden: 3 },
];

forEachBackend('GRU gradients', () => {
  SHAPES.forEach((s, index) => {
    it(`match finite differences at B${s.batch} T${s.steps} I${s.input} H${s.hidden}`, async () => {
      const v = randomGruValues(40 + index, s, true);
      const want = finiteDifferenceGrads(v, s);
      const before = tf.memory().numTensors;
      const gru = new Gru(s.input, s.hidden, new Rng(1));
      tf.tidy(() => {
        gru.weightIh.assign(tf.tensor(v.weightIh, gru.weightIh.shape));
        gru.weightHh.assign(tf.tensor(v.weightHh, gru.weightHh.shape));
        gru.biasIh.assign(tf.tensor(v.biasIh, gru.biasIh.shape));
        gru.biasHh.assign(tf.tensor(v.biasHh, gru.biasHh.shape));
      });
      // tidy: tf.variable copies its initial value.
      const x = tf.tidy(() =>
        tf.variable(tf.tensor(v.x, [s.batch, s.steps, s.input]), true, `gru_fd_x_${index}`),
      );
      const w = tf.tensor(v.w, [s.batch, s.steps, s.hidden]);
      const vars: [string, Variable][] = [
        ['x', x],
        ['weightIh', gru.weightIh],
        ['weightHh', gru.weightHh],
        ['biasIh', gru.biasIh],
        ['biasHh', gru.biasHh],
      ];
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(gru.forward(x), w)) as tf.Scalar,
        vars.map(([, t]) => t),
      );
      const loss = (await value.data())[0]!;
      const wantLoss = referenceLoss(v, s);
      assert.ok(
        Math.abs(loss - wantLoss) <= 1e-5 * Math.max(1, Math.abs(wantLoss)),
        `loss ${loss} vs ${wantLoss}`,
      );
      for (const [name, t] of vars) {
        const got = await (grads[t.name] as Tensor).data();
        const err = relativeError(got, want[name as keyof typeof want]);
        assert.ok(err < 1e-4, `d${name}: relative error ${err}`);
      }
      tf.dispose([value, ...Object.values(grads), x, w]);
      gru.dispose();
      assert.equal(tf.memory().numTensors, before, 'leaked tensors');
    });
  });
});
