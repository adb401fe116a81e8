import { it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Scalar } from '../../src/backend/tf.js';
import { Rng } from '../../src/backend/random.js';
import { leanVariableGrads } from '../../src/backend/lean-grads.js';
import { peakTensorBytes } from '../../src/backend/peak-memory.js';
import { NativeBackend } from '../../src/backend/native/native-backend.js';
import { AudioGimModel } from '../../src/audio/model.js';
import { resolveAudioConfig } from '../../src/audio/config.js';
import { Adam } from '../../src/nn/adam.js';
import { trainStackStep } from '../../src/core/train-step.js';
import { forEachBackend } from '../helpers/backends.js';

const small = (layout: 'gim-6' | 'cpc') =>
  resolveAudioConfig([
    {
      source: 'test',
      values: {
        encoder: { channels: 6, gruHidden: 5, layout },
        loss: { predictionSteps: 3, negativeSamples: 4 },
      },
    },
  ]);

forEachBackend('leanVariableGrads', (backend) => {
  it('gives tf.variableGrads’ loss and gradients bit for bit, and leaks nothing', () => {
    const config = small('cpc');
    const model = new AudioGimModel(config.encoder, config.loss, new Rng(3));
    const module = model.modules[0]!;
    const x = tf.randomNormal([2, 2560, 1], 0, 1, 'float32', 7);
    const loss = (): Scalar => module.forwardWithLoss(x, new Rng(11)).loss;
    const stock = tf.variableGrads(loss, module.parameters());
    const before = tf.memory().numTensors;
    const lean = leanVariableGrads(loss, module.parameters());
    assert.equal(tf.memory().numTensors - before, 1 + Object.keys(lean.grads).length);
    assert.deepEqual(Object.keys(lean.grads).sort(), Object.keys(stock.grads).sort());
    assert.equal(lean.value.dataSync()[0], stock.value.dataSync()[0]);
    for (const name of Object.keys(stock.grads)) {
      assert.deepEqual(lean.grads[name]!.dataSync(), stock.grads[name]!.dataSync(), name);
    }
    tf.dispose([
      stock.value,
      lean.value,
      ...Object.values(stock.grads),
      ...Object.values(lean.grads),
    ]);
    assert.equal(tf.memory().numTensors, before - 1 - Object.keys(stock.grads).length);
    x.dispose();
    model.dispose();
  });

  it('a GIM step’s peak tensor bytes do not grow with the number of modules trained', async () => {
    const config = small('gim-6');
    const model = new AudioGimModel(config.encoder, config.loss, new Rng(4));
    const optimizers = model.modules.map((m) => new Adam(m.namedParameters(), 2e-4));
    const x = tf.randomNormal([2, 2560, 1], 0, 1, 'float32', 8);
    // A first step creates every Adam moment, so both measured steps start from the same bytes.
    trainStackStep(model.modules, optimizers, x, new Rng(5));
    const peakOf = async (modules: number) =>
      (
        await peakTensorBytes(() =>
          trainStackStep(model.modules.slice(0, modules), optimizers, x, new Rng(6)),
        )
      ).peakBytes;
    const two = await peakOf(2);
    const four = await peakOf(4);
    const six = await peakOf(6);
    // Module 1 (the longest sequence) sets the peak; later modules' work must fit under it.
    assert.ok(four <= two && six <= two, `peaks 2/4/6 modules: ${two} / ${four} / ${six} bytes`);
    x.dispose();
    model.dispose();
    optimizers.forEach((o) => o.dispose());
  });

  if (backend === 'native') {
    it('frees saved activations during the backward: a lower peak than tf.variableGrads', async () => {
      const config = small('cpc');
      const model = new AudioGimModel(config.encoder, config.loss, new Rng(3));
      const module = model.modules[0]!;
      const x = tf.randomNormal([2, 2560, 1], 0, 1, 'float32', 7);
      const loss = (): Scalar => module.forwardWithLoss(x, new Rng(11)).loss;
      const peakWith = async (grads: typeof leanVariableGrads) =>
        (
          await peakTensorBytes(() => {
            const r = grads(loss, module.parameters());
            tf.dispose([r.value, ...Object.values(r.grads)]);
          })
        ).peakBytes;
      const stock = await peakWith((f, v) => tf.variableGrads(f, [...v]));
      const lean = await peakWith(leanVariableGrads);
      assert.ok(lean < 0.85 * stock, `peak bytes lean ${lean} vs stock ${stock}`);
      x.dispose();
      model.dispose();
    });

    it('counts each buffer once, however many tensors view it', () => {
      const native = tf.backend() as NativeBackend;
      const start = native.bufferBytes().live;
      const a = tf.randomNormal([64, 64]);
      const views = [a.reshape([4096]), tf.clone(a), a.reshape([64, 64, 1])]; // [4096] etc.
      assert.equal(native.bufferBytes().live - start, 64 * 64 * 4);
      tf.dispose([a, ...views]);
      assert.equal(native.bufferBytes().live, start);
    });
  }
});
