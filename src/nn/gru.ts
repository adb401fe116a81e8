/**
 * Single-layer, batch-first GRU with PyTorch's equations ("reset-after" variant):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 * Gate order in the packed weights is (r, z, n), as in torch.nn.GRU. Zero initial state.
 * Backends with a fused GRU kernel (native: oneDNN's LBR GRU, the same equations) run that.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { fusedGru, fusedGruAvailable } from '../backend/fused-gru.js';
import type { Rng } from '../backend/random.js';
import { ShapeError } from '../errors.js';
import { BaseModule } from './module.js';
import { makeVariable, torchDefaultBound, uniformValues } from './init.js';

export class Gru extends BaseModule {
  readonly weightIh; // [in, 3H]
  readonly weightHh; // [H, 3H]
  readonly biasIh; // [3H]
  readonly biasHh; // [3H]

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Rng,
  ) {
    super();
    // PyTorch initialises every GRU weight and bias U(±1/√hidden).
    const bound = torchDefaultBound(hiddenSize);
    const h3 = 3 * hiddenSize;
    this.weightIh = this.register(
      'weight_ih',
      makeVariable(uniformValues(rng, inputSize * h3, bound), [inputSize, h3], 'gru_wih'),
    );
    this.weightHh = this.register(
      'weight_hh',
      makeVariable(uniformValues(rng, hiddenSize * h3, bound), [hiddenSize, h3], 'gru_whh'),
    );
    this.biasIh = this.register(
      'bias_ih',
      makeVariable(uniformValues(rng, h3, bound), [h3], 'gru_bih'),
    );
    this.biasHh = this.register(
      'bias_hh',
      makeVariable(uniformValues(rng, h3, bound), [h3], 'gru_bhh'),
    );
  }

  /** x: [B, T, in] → all hidden states [B, T, H]. */
  forward(x: Tensor): Tensor {
    const [batch, , features] = x.shape as [number, number, number];
    if (x.rank !== 3 || features !== this.inputSize) {
      throw new ShapeError(
        `GRU: expected input [B, T, ${this.inputSize}], found [${x.shape.join(', ')}]`,
      );
    }
    if (fusedGruAvailable()) {
      // The whole sequence in one kernel (oneDNN on the native backend) instead of T steps of
      // small ones.
      return tf.tidy(() => fusedGru(x, tf.zeros([batch, this.hiddenSize]), this));
    }
    return this.stepByStep(x);
  }

  /** The GRU as T steps of TF.js ops, on backends without the fused kernel. */
  private stepByStep(x: Tensor): Tensor {
    const [batch, steps, features] = x.shape as [number, number, number];
    const H = this.hiddenSize;
    // One input projection for all steps, then time-major so that unstack (not slice) feeds the
    // loop: slicing per step makes the backward pass O(T²) (backend-bench.md).
    const xProj = tf.add(
      tf.matMul(x.reshape([batch * steps, features]), this.weightIh),
      this.biasIh,
    ); // [B*T, 3H]
    const timeMajor = xProj.reshape([batch, steps, 3 * H]).transpose([1, 0, 2]); // [T, B, 3H]
    // TF.js's Unpack gradient fails on a single output (its tape passes a tensor, not a list).
    const inputs = steps === 1 ? [timeMajor.reshape([batch, 3 * H])] : tf.unstack(timeMajor); // T × [B, 3H]
    let h: Tensor = tf.zeros([batch, H]);
    const outputs: Tensor[] = [];
    for (const xt of inputs) {
      const hProj = tf.add(tf.matMul(h, this.weightHh), this.biasHh); // [B, 3H]
      const [xr, xz, xn] = tf.split(xt, 3, 1) as [Tensor, Tensor, Tensor]; // 3 × [B, H]
      const [hr, hz, hn] = tf.split(hProj, 3, 1) as [Tensor, Tensor, Tensor];
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      // h' = (1 − z)·n + z·h = n + z·(h − n)
      h = tf.add(n, tf.mul(z, tf.sub(h, n)));
      outputs.push(h);
    }
    return tf.stack(outputs, 1); // [B, T, H]
  }
}
