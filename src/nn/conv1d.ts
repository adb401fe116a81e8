/**
 * 1-D convolution over [B, T, C] with PyTorch's zero padding and output length
 * floor((T + 2p − k)/s) + 1. Implemented as conv2d with H = 1 and explicit padding, because
 * tf.conv1d with a numeric padding also pads the dummy height axis (backend-bench.md).
 */
import { tf, type Tensor } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { ShapeError } from '../errors.js';
import { BaseModule } from './module.js';
import { makeVariable, torchDefaultBound, uniformValues } from './init.js';

export interface Conv1dSpec {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

/** Output length of a conv with this spec, as PyTorch computes it. */
export function conv1dOutputLength(
  inputLength: number,
  spec: Pick<Conv1dSpec, 'kernel' | 'stride' | 'padding'>,
): number {
  return Math.floor((inputLength + 2 * spec.padding - spec.kernel) / spec.stride) + 1;
}

export class Conv1d extends BaseModule {
  readonly weight; // [1, k, Cin, Cout] (HWIO with H = 1)
  readonly bias; // [Cout]

  constructor(
    readonly spec: Conv1dSpec,
    rng: Rng,
  ) {
    super();
    const { inChannels, outChannels, kernel } = spec;
    const bound = torchDefaultBound(inChannels * kernel);
    this.weight = this.register(
      'weight',
      makeVariable(
        uniformValues(rng, kernel * inChannels * outChannels, bound),
        [1, kernel, inChannels, outChannels],
        'conv1d_w',
      ),
    );
    this.bias = this.register(
      'bias',
      makeVariable(uniformValues(rng, outChannels, bound), [outChannels], 'conv1d_b'),
    );
  }

  /** x: [B, T, Cin] → [B, T', Cout] (no activation). */
  forward(x: Tensor): Tensor {
    const [batch, length, channels] = x.shape as [number, number, number];
    const { inChannels, outChannels, stride, padding } = this.spec;
    if (x.rank !== 3 || channels !== inChannels) {
      throw new ShapeError(
        `Conv1d: expected input [B, T, ${inChannels}], found [${x.shape.join(', ')}]`,
      );
    }
    const outLength = conv1dOutputLength(length, this.spec);
    if (outLength < 1) {
      throw new ShapeError(
        `Conv1d: input length ${length} is too short for kernel ${this.spec.kernel}`,
      );
    }
    const x4 = x.reshape([batch, 1, length, inChannels]); // [B, 1, T, Cin]
    const y4 = tf.conv2d(
      x4 as tf.Tensor4D,
      this.weight as unknown as tf.Tensor4D,
      [1, stride],
      [
        [0, 0],
        [0, 0],
        [padding, padding],
        [0, 0],
      ],
    ); // [B, 1, T', Cout]
    return tf.add(y4, this.bias).reshape([batch, outLength, outChannels]); // [B, T', Cout]
  }
}
