/**
 * The vision GIM model (spec §3.2–3.5, 3.8): the patch encoder cut into gradient-isolated modules,
 * each with its own loss head on its pooled patch grid.
 *
 * Module input: per-patch maps [B·G·G, h, w, Cin] (raw patches for the first module). After its
 * stage(s), each patch map is average-pooled to one vector and arranged into the grid
 * [B, G, G, C] (patch order image, row, column); the loss is computed on that grid, while the next
 * module receives the un-pooled maps (detached by the training step).
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import { softmaxCrossEntropy } from '../losses/cross-entropy.js';
import type { Rng } from '../backend/random.js';
import { ShapeError } from '../errors.js';
import { BaseModule, parameterCount, type Module } from '../nn/module.js';
import { Linear } from '../nn/linear.js';
import { PixelCnn } from '../nn/pixel-cnn.js';
import { GridInfoNce } from '../losses/grid-info-nce.js';
import { EncoderStage, type StageSpec } from './encoder.js';
import { scaledWidths, type VisionEncoderConfig, type VisionLossConfig } from './config.js';

/** A module's training objective on its grid [B, G, G, C]. */
export interface VisionHead extends Module {
  compute(grid: Tensor, rng: Rng): { loss: Scalar; accuracy: Scalar };
}

/** GIM: InfoNCE with c = z = the grid. */
export class GridInfoNceHead extends BaseModule implements VisionHead {
  readonly infoNce: GridInfoNce;
  constructor(channels: number, loss: VisionLossConfig, rng: Rng) {
    super();
    this.infoNce = this.registerChild('infoNce', new GridInfoNce(channels, loss, rng));
  }
  compute(grid: Tensor, rng: Rng): { loss: Scalar; accuracy: Scalar } {
    return this.infoNce.compute(grid, grid, rng);
  }
}

/** CPC: InfoNCE with z = the grid and c = PixelCNN(grid). */
export class PixelCnnInfoNceHead extends BaseModule implements VisionHead {
  readonly pixelCnn: PixelCnn;
  readonly infoNce: GridInfoNce;
  constructor(channels: number, loss: VisionLossConfig, rng: Rng) {
    super();
    this.pixelCnn = this.registerChild(
      'pixelCnn',
      new PixelCnn(channels, loss.pixelCnnLayers, rng),
    );
    this.infoNce = this.registerChild('infoNce', new GridInfoNce(channels, loss, rng));
  }
  compute(grid: Tensor, rng: Rng): { loss: Scalar; accuracy: Scalar } {
    return this.infoNce.compute(grid, this.pixelCnn.forward(grid), rng);
  }
}

/**
 * Supervised baselines: mean over the grid → Linear(C → classes) → cross-entropy. The labels of
 * the current batch are set with `setLabels` before each step (the step interface carries only x).
 */
export class SupervisedHead extends BaseModule implements VisionHead {
  readonly classifier: Linear;
  private labels: Int32Array | null = null;
  constructor(
    channels: number,
    readonly classes: number,
    rng: Rng,
  ) {
    super();
    this.classifier = this.registerChild('classifier', new Linear(channels, classes, rng));
  }
  setLabels(labels: Int32Array): void {
    this.labels = labels;
  }
  compute(grid: Tensor): { loss: Scalar; accuracy: Scalar } {
    const labels = this.labels;
    if (!labels || labels.length !== grid.shape[0]) {
      throw new ShapeError(
        `supervised head: ${labels?.length ?? 0} labels set for a batch of ${grid.shape[0]} images`,
      );
    }
    return tf.tidy(() => {
      const logits = this.classifier.forward(tf.mean(grid, [1, 2])); // [B, classes]
      const loss = softmaxCrossEntropy(logits, labels, this.classes);
      const accuracy = tf.mean(
        tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')).toFloat(),
      ) as Scalar;
      return { loss, accuracy };
    });
  }
}

export class VisionModule extends BaseModule {
  readonly stages: EncoderStage[] = [];
  readonly head: VisionHead;
  readonly outChannels: number;

  constructor(
    specs: readonly StageSpec[],
    readonly gridSize: number,
    makeHead: (channels: number) => VisionHead,
    rng: Rng,
  ) {
    super();
    specs.forEach((spec, i) =>
      this.stages.push(this.registerChild(`stage${i + 1}`, new EncoderStage(spec, rng))),
    );
    this.outChannels = this.stages[this.stages.length - 1]!.outChannels;
    this.head = this.registerChild('head', makeHead(this.outChannels));
  }

  /** x: [B·G·G, h, w, Cin] → maps [B·G·G, h', w', C] and pooled grid [B, G, G, C]. */
  forward(x: Tensor): { z: Tensor; grid: Tensor } {
    const G = this.gridSize;
    if (x.rank !== 4 || x.shape[0]! % (G * G) !== 0) {
      throw new ShapeError(
        `vision module: expected [B·${G * G}, h, w, C] patch maps, found [${x.shape}]`,
      );
    }
    let z = x;
    for (const stage of this.stages) z = stage.forward(z);
    const pooled = tf.mean(z, [1, 2]); // [B·G·G, C]
    const grid = pooled.reshape([-1, G, G, this.outChannels]); // [B, G, G, C] (image, row, column)
    return { z, grid };
  }

  /** Forward pass without loss, for a frozen module: the maps for the module above (caller owns them). */
  encode(x: Tensor): Tensor {
    return tf.tidy(() => {
      let z = x;
      for (const stage of this.stages) z = stage.forward(z);
      return z;
    });
  }

  forwardWithLoss(
    x: Tensor,
    rng: Rng,
  ): { z: Tensor; loss: Scalar; accuracy: Scalar; features: Tensor } {
    const { z, grid } = this.forward(x);
    return { z, ...this.head.compute(grid, rng), features: grid };
  }

  /** Parameters kept after training (the head is discarded). */
  encoderParameterCount(): number {
    return parameterCount(this) - parameterCount(this.head);
  }
}

/** Stage specs of the whole encoder: stem on the first; the first block of later stages has stride 2. */
export function encoderStageSpecs(encoder: VisionEncoderConfig, inChannels: number): StageSpec[] {
  const { stem, planes } = scaledWidths(encoder);
  const specs: StageSpec[] = [];
  let channels = inChannels;
  encoder.blocks.forEach((blocks, s) => {
    specs.push({
      kind: encoder.block,
      stemChannels: s === 0 ? stem : null,
      inChannels: channels,
      planes: planes[s]!,
      blocks,
      stride: s === 0 ? 1 : 2,
    });
    channels = planes[s]! * (encoder.block === 'bottleneck' ? 4 : 1);
  });
  return specs;
}

export class VisionGimModel extends BaseModule {
  readonly modules: VisionModule[] = [];

  constructor(
    readonly encoder: VisionEncoderConfig,
    loss: VisionLossConfig,
    readonly gridSize: number,
    rng: Rng,
    { inChannels = 1, classes = 10 }: { inChannels?: number; classes?: number } = {},
  ) {
    super();
    const specs = encoderStageSpecs(encoder, inChannels);
    const groups = encoder.layout === 'gim' ? specs.map((s) => [s]) : [specs];
    const makeHead = (channels: number): VisionHead => {
      if (loss.objective === 'supervised') return new SupervisedHead(channels, classes, rng);
      return encoder.layout === 'cpc'
        ? new PixelCnnInfoNceHead(channels, loss, rng)
        : new GridInfoNceHead(channels, loss, rng);
    };
    // `depth` builds only the lowest modules; weights are drawn in module order, so a module added
    // later gets the same initial weights it would have had in a full build.
    groups.slice(0, encoder.depth || groups.length).forEach((group, m) => {
      this.modules.push(
        this.registerChild(`module${m + 1}`, new VisionModule(group, gridSize, makeHead, rng)),
      );
    });
  }

  /** Sets the labels every supervised head uses for the next step (no-op for InfoNCE heads). */
  setLabels(labels: Int32Array): void {
    for (const m of this.modules) if (m.head instanceof SupervisedHead) m.head.setLabels(labels);
  }

  /**
   * Frozen features: entry i is the pooled grid [B, G, G, C] after encoder stage i, for every stage
   * (with the 'cpc' layout the single module's intermediate stages too, so per-stage probes can be
   * compared across layouts). Runs without recording gradients.
   */
  representations(patches: Tensor): Tensor[] {
    return tf.tidy(() => {
      const G = this.gridSize;
      const out: Tensor[] = [];
      let z = patches;
      for (const module of this.modules) {
        for (const stage of module.stages) {
          z = stage.forward(z);
          out.push(tf.mean(z, [1, 2]).reshape([-1, G, G, stage.outChannels])); // [B, G, G, C]
        }
      }
      return out;
    });
  }
}
