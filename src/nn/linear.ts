/** Fully connected layer y = x·W (+ b), applied to the last axis. */
import { tf, type Tensor } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { BaseModule } from './module.js';
import { makeVariable, torchDefaultBound, uniformValues, xavierNormalValues } from './init.js';

export interface LinearOptions {
  /** Add a bias (PyTorch default true; InfoNCE predictors use none). */
  readonly bias?: boolean;
  /** Weight initialisation: PyTorch default, or Xavier-normal (the phone probe's choice). */
  readonly init?: 'torch' | 'xavier-normal';
}

export class Linear extends BaseModule {
  readonly weight; // [in, out]
  readonly bias; // [out] or null

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    { bias = true, init = 'torch' }: LinearOptions = {},
  ) {
    super();
    const bound = torchDefaultBound(inFeatures);
    const w =
      init === 'torch'
        ? uniformValues(rng, inFeatures * outFeatures, bound)
        : xavierNormalValues(rng, inFeatures * outFeatures, inFeatures, outFeatures);
    this.weight = this.register('weight', makeVariable(w, [inFeatures, outFeatures], 'linear_w'));
    // PyTorch initialises Linear biases U(±1/√fan_in) even when the weight init is overridden.
    this.bias = bias
      ? this.register(
          'bias',
          makeVariable(uniformValues(rng, outFeatures, bound), [outFeatures], 'linear_b'),
        )
      : null;
  }

  /** x: [..., in] → [..., out] */
  forward(x: Tensor): Tensor {
    const lead = x.shape.slice(0, -1);
    const x2 = x.reshape([-1, this.inFeatures]); // [N, in]
    let y = tf.matMul(x2, this.weight); // [N, out]
    if (this.bias) y = tf.add(y, this.bias);
    return y.reshape([...lead, this.outFeatures]); // [..., out]
  }
}
