/**
 * 2-D convolution over channels-last [B, H, W, C] with PyTorch's zero padding, bias and default
 * initialisation (U(±1/√fan_in), fan_in = Cin·kh·kw). An optional fixed 0/1 mask over the kernel
 * window is multiplied into the weight on every call (PixelCNN's masked convs), so masked taps
 * never receive gradient and never contribute.
 */
import { tf, type Tensor } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { ShapeError } from '../errors.js';
import { BaseModule } from './module.js';
import { makeVariable, torchDefaultBound, uniformValues } from './init.js';

export interface Conv2dSpec {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Kernel size: square, or [height, width]. */
  readonly kernel: number | readonly [number, number];
  /** Stride along both axes (default 1). */
  readonly stride?: number;
  /** Zero padding: the same on all sides, or [rows, columns] (default 0). */
  readonly padding?: number | readonly [number, number];
  /** Add a bias (default true, as every conv of the GIM vision encoder). */
  readonly bias?: boolean;
  /** Optional kernel-window mask, kh·kw values in row-major order (1 keeps a tap, 0 removes it). */
  readonly mask?: readonly number[];
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Output side of a conv along one axis, as PyTorch computes it. */
export function conv2dOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padding: number,
): number {
  return Math.floor((input + 2 * padding - kernel) / stride) + 1;
}

export class Conv2d extends BaseModule {
  readonly weight; // [kh, kw, Cin, Cout] (HWIO)
  readonly bias; // [Cout] or null
  readonly kernelSize: [number, number];
  readonly stride: number;
  readonly padding: [number, number];
  private readonly mask: Tensor | null; // [kh, kw, 1, 1]

  constructor(
    readonly spec: Conv2dSpec,
    rng: Rng,
  ) {
    super();
    const { inChannels, outChannels } = spec;
    this.kernelSize = pair(spec.kernel);
    this.stride = spec.stride ?? 1;
    this.padding = pair(spec.padding ?? 0);
    const [kh, kw] = this.kernelSize;
    const bound = torchDefaultBound(inChannels * kh * kw);
    this.weight = this.register(
      'weight',
      makeVariable(
        uniformValues(rng, kh * kw * inChannels * outChannels, bound),
        [kh, kw, inChannels, outChannels],
        'conv2d_w',
      ),
    );
    this.bias =
      spec.bias === false
        ? null
        : this.register(
            'bias',
            makeVariable(uniformValues(rng, outChannels, bound), [outChannels], 'conv2d_b'),
          );
    if (spec.mask) {
      if (spec.mask.length !== kh * kw)
        throw new ShapeError(`Conv2d: mask has ${spec.mask.length} values, expected ${kh}·${kw}`);
      this.mask = tf.tensor(Float32Array.from(spec.mask), [kh, kw, 1, 1]);
    } else {
      this.mask = null;
    }
  }

  /** x: [B, H, W, Cin] → [B, H', W', Cout] (no activation). */
  forward(x: Tensor): Tensor {
    const { inChannels } = this.spec;
    if (x.rank !== 4 || x.shape[3] !== inChannels) {
      throw new ShapeError(
        `Conv2d: expected input [B, H, W, ${inChannels}], found [${x.shape.join(', ')}]`,
      );
    }
    const [ph, pw] = this.padding;
    const [kh, kw] = this.kernelSize;
    if (
      conv2dOutputSize(x.shape[1]!, kh, this.stride, ph) < 1 ||
      conv2dOutputSize(x.shape[2]!, kw, this.stride, pw) < 1
    ) {
      throw new ShapeError(
        `Conv2d: input ${x.shape[1]}×${x.shape[2]} is too small for kernel ${kh}×${kw} with padding ${ph},${pw}`,
      );
    }
    const w = this.mask ? tf.mul(this.weight, this.mask) : this.weight; // [kh, kw, Cin, Cout]
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, this.stride, [
      [0, 0],
      [ph, ph],
      [pw, pw],
      [0, 0],
    ]); // [B, H', W', Cout]
    return this.bias ? tf.add(y, this.bias) : y;
  }

  override dispose(): void {
    super.dispose();
    this.mask?.dispose();
  }
}
