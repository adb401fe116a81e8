/**
 * The gated PixelCNN autoregressor of the CPC vision baseline (spec §3.5), channels-last.
 *
 * Each gated layer keeps a vertical stream v and a horizontal stream h (both [B, H, W, C]):
 *   vPre = Vconv3×3(v)        masked "only_vert": kernel rows below the centre are zero, so a
 *                              position sees its own row and the rows above; no centre masking
 *   hPre = Hconv1×3(h) + 1×1(vPre)   (left, centre and right taps all visible)
 *   secondary layers: vPre += 1×1(v)            (vertical residual, C → 2C)
 *   v' = tanh(vPre[:C]) · σ(vPre[C:]),  h' = 1×1(tanh(hPre[:C]) · σ(hPre[C:]))
 *   secondary layers: h' += h                    (horizontal residual)
 * The stack starts from v = h = x; its output is 1×1(h) (C → C, with bias).
 * Every conv uses "same" padding and has a bias. Output at row r depends only on rows ≤ r.
 */
import { tf, type Tensor } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { BaseModule } from './module.js';
import { Conv2d } from './conv2d.js';

/** 3×3 "only_vert" mask: rows above and at the centre kept, the row below removed. */
export const ONLY_VERT_MASK_3X3: readonly number[] = Object.freeze([1, 1, 1, 1, 1, 1, 0, 0, 0]);

export class PixelCnnGatedLayer extends BaseModule {
  readonly vertical: Conv2d;
  readonly horizontal: Conv2d;
  readonly vToH: Conv2d;
  readonly verticalResidual: Conv2d | null;
  readonly horizontalOutput: Conv2d;

  constructor(
    readonly channels: number,
    readonly primary: boolean,
    rng: Rng,
  ) {
    super();
    const C = channels;
    this.vertical = this.registerChild(
      'vertical',
      new Conv2d(
        { inChannels: C, outChannels: 2 * C, kernel: 3, padding: 1, mask: ONLY_VERT_MASK_3X3 },
        rng,
      ),
    );
    this.vToH = this.registerChild(
      'vToH',
      new Conv2d({ inChannels: 2 * C, outChannels: 2 * C, kernel: 1 }, rng),
    );
    this.horizontal = this.registerChild(
      'horizontal',
      new Conv2d({ inChannels: C, outChannels: 2 * C, kernel: [1, 3], padding: [0, 1] }, rng),
    );
    this.verticalResidual = primary
      ? null
      : this.registerChild(
          'verticalResidual',
          new Conv2d({ inChannels: C, outChannels: 2 * C, kernel: 1 }, rng),
        );
    this.horizontalOutput = this.registerChild(
      'horizontalOutput',
      new Conv2d({ inChannels: C, outChannels: C, kernel: 1 }, rng),
    );
  }

  private gate(x: Tensor): Tensor {
    const [a, b] = tf.split(x, 2, 3); // [B, H, W, C] each
    return tf.mul(tf.tanh(a!), tf.sigmoid(b!));
  }

  /** v, h: [B, H, W, C] → new v, h of the same shape. */
  forward(v: Tensor, h: Tensor): { v: Tensor; h: Tensor } {
    let vPre = this.vertical.forward(v); // [B, H, W, 2C]
    const hPre = tf.add(this.horizontal.forward(h), this.vToH.forward(vPre)); // [B, H, W, 2C]
    if (this.verticalResidual) vPre = tf.add(vPre, this.verticalResidual.forward(v));
    const vOut = this.gate(vPre);
    const hOut = this.horizontalOutput.forward(this.gate(hPre));
    return { v: vOut, h: this.primary ? hOut : tf.add(h, hOut) };
  }
}

export class PixelCnn extends BaseModule {
  readonly layers: PixelCnnGatedLayer[] = [];
  readonly output: Conv2d;

  /** `layers` gated layers (reference 4: one primary, then secondary ones), each C → C. */
  constructor(
    readonly channels: number,
    layers: number,
    rng: Rng,
  ) {
    super();
    for (let i = 0; i < layers; i++)
      this.layers.push(
        this.registerChild(`layer${i + 1}`, new PixelCnnGatedLayer(channels, i === 0, rng)),
      );
    this.output = this.registerChild(
      'output',
      new Conv2d({ inChannels: channels, outChannels: channels, kernel: 1 }, rng),
    );
  }

  /** x: [B, H, W, C] grid → context c: [B, H, W, C]. */
  forward(x: Tensor): Tensor {
    let v = x;
    let h = x;
    for (const layer of this.layers) ({ v, h } = layer.forward(v, h));
    return this.output.forward(h);
  }
}
