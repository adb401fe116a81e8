/**
 * The GIM vision encoder (spec §3.3): a pre-activation ResNet without batch-norm, all convs with
 * bias, applied to each image patch on its own. A stage is a run of residual blocks; the stem
 * (5×5 conv, padding 2) belongs to the first stage.
 *
 * Block (pre-activation): a = ReLU(x); shortcut = 1×1 conv(a) (stride s) if the shape changes,
 * else x; path = bottleneck 1×1 → ReLU → 3×3 (stride s) → ReLU → 1×1 (to 4·planes), or basic
 * 3×3 (stride s) → ReLU → 3×3; output = path + shortcut, with no final activation.
 */
import { tf, type Tensor } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { BaseModule } from '../nn/module.js';
import { Conv2d } from '../nn/conv2d.js';

export type BlockKind = 'bottleneck' | 'basic';

/** Output channels per `planes` (ResNet expansion). */
export function blockExpansion(kind: BlockKind): number {
  return kind === 'bottleneck' ? 4 : 1;
}

export class PreActBlock extends BaseModule {
  readonly convs: Conv2d[] = [];
  readonly shortcut: Conv2d | null;
  readonly outChannels: number;

  constructor(kind: BlockKind, inChannels: number, planes: number, stride: number, rng: Rng) {
    super();
    this.outChannels = planes * blockExpansion(kind);
    const add = (name: string, spec: ConstructorParameters<typeof Conv2d>[0]): void => {
      this.convs.push(this.registerChild(name, new Conv2d(spec, rng)));
    };
    if (kind === 'bottleneck') {
      add('conv1', { inChannels, outChannels: planes, kernel: 1 });
      add('conv2', { inChannels: planes, outChannels: planes, kernel: 3, stride, padding: 1 });
      add('conv3', { inChannels: planes, outChannels: this.outChannels, kernel: 1 });
    } else {
      add('conv1', { inChannels, outChannels: planes, kernel: 3, stride, padding: 1 });
      add('conv2', { inChannels: planes, outChannels: planes, kernel: 3, padding: 1 });
    }
    this.shortcut =
      stride !== 1 || inChannels !== this.outChannels
        ? this.registerChild(
            'shortcut',
            new Conv2d({ inChannels, outChannels: this.outChannels, kernel: 1, stride }, rng),
          )
        : null;
  }

  /** x: [N, H, W, Cin] → [N, H/s, W/s, Cout]. */
  forward(x: Tensor): Tensor {
    const a = tf.relu(x);
    const shortcut = this.shortcut ? this.shortcut.forward(a) : x;
    let out = this.convs[0]!.forward(a);
    for (const conv of this.convs.slice(1)) out = conv.forward(tf.relu(out));
    return tf.add(out, shortcut);
  }
}

export interface StageSpec {
  readonly kind: BlockKind;
  /** Stem output channels, or null for a stage without the stem. */
  readonly stemChannels: number | null;
  readonly inChannels: number;
  readonly planes: number;
  readonly blocks: number;
  /** Stride of the stage's first block. */
  readonly stride: number;
}

/** One stage of the encoder: [stem +] blocks. */
export class EncoderStage extends BaseModule {
  readonly stem: Conv2d | null;
  readonly blocks: PreActBlock[] = [];
  readonly outChannels: number;

  constructor(spec: StageSpec, rng: Rng) {
    super();
    let channels = spec.inChannels;
    if (spec.stemChannels !== null) {
      this.stem = this.registerChild(
        'stem',
        new Conv2d(
          { inChannels: channels, outChannels: spec.stemChannels, kernel: 5, padding: 2 },
          rng,
        ),
      );
      channels = spec.stemChannels;
    } else {
      this.stem = null;
    }
    for (let i = 0; i < spec.blocks; i++) {
      const block = new PreActBlock(
        spec.kind,
        channels,
        spec.planes,
        i === 0 ? spec.stride : 1,
        rng,
      );
      this.blocks.push(this.registerChild(`block${i + 1}`, block));
      channels = block.outChannels;
    }
    this.outChannels = channels;
  }

  /** x: [N, h, w, Cin] per-patch maps → [N, h', w', Cout]. */
  forward(x: Tensor): Tensor {
    let out = this.stem ? this.stem.forward(x) : x;
    for (const block of this.blocks) out = block.forward(out);
    return out;
  }
}
