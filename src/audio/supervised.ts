/**
 * The paper's supervised baselines (spec §2.8, reference `--loss 2`): the same encoder and module
 * layouts as GIM, but each module's loss is a speaker classifier on its context c (time-mean, then
 * Linear(hidden → speakers)). Layout 'cpc' (one module) is "Supervised" (end to end); 'gim-6' is
 * "Greedy Supervised" (every module its own head, gradient-isolated through trainStackStep).
 *
 * One departure from the reference: the time-mean is standardised over the batch before the head
 * (see `standardizeOverBatch`). Without it these baselines sat at loss ln(speakers) for ~800 of
 * the demo's steps (issue 12).
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import { softmaxCrossEntropy } from '../losses/cross-entropy.js';
import { Rng } from '../backend/random.js';
import { Adam } from '../nn/adam.js';
import { BaseModule } from '../nn/module.js';
import { Conv1d } from '../nn/conv1d.js';
import { Gru } from '../nn/gru.js';
import { Linear } from '../nn/linear.js';
import { ConfigError, ShapeError } from '../errors.js';
import {
  audioModuleSpecs,
  buildModuleLayers,
  stackRepresentations,
  type AudioModuleSpec,
} from './model.js';
import type { AudioEncoderConfig } from './config.js';
import { trainStackStep, type IsolatedModule, type ModuleStepStats } from '../core/train-step.js';

export class SupervisedAudioModule extends BaseModule implements IsolatedModule {
  readonly convs: Conv1d[] = [];
  readonly gru: Gru | null;
  readonly head: Linear;
  readonly outputChannels: number;
  /** Speaker labels [B] of the current batch (set by the model before each step). */
  targets: Tensor | null = null;

  constructor(
    readonly spec: AudioModuleSpec,
    encoder: AudioEncoderConfig,
    inChannels: number,
    readonly classes: number,
    rng: Rng,
  ) {
    super();
    const layers = buildModuleLayers(spec, encoder, inChannels, rng);
    for (const [name, conv] of layers.convs) this.convs.push(this.registerChild(name, conv));
    this.gru = layers.gru ? this.registerChild('gru', layers.gru) : null;
    const channels = layers.channels;
    this.outputChannels = channels;
    this.head = this.registerChild(
      'head',
      new Linear(this.gru ? encoder.gruHidden : channels, classes, rng),
    );
  }

  /** x [B, T, Cin] → z [B, T', C] (passed on) and c [B, T', D] (what the head sees). */
  forward(x: Tensor): { z: Tensor; c: Tensor } {
    let z = x;
    for (const conv of this.convs) z = tf.relu(conv.forward(z));
    return { z, c: this.gru ? this.gru.forward(z) : z };
  }

  forwardWithLoss(
    x: Tensor,
    _rng: Rng,
  ): { z: Tensor; loss: Scalar; accuracy: Scalar; features: Tensor } {
    if (!this.targets) throw new ShapeError('supervised module: no targets set for this batch');
    const { z, c } = this.forward(x);
    const pooled = standardizeOverBatch(tf.mean(c, 1)); // [B, T', D] → [B, D]
    const logits = this.head.forward(pooled); // [B, D] → [B, speakers]
    const loss = softmaxCrossEntropy(logits, this.targets, this.classes);
    const accuracy = tf.mean(tf.equal(tf.argMax(logits, -1), this.targets).toFloat()) as Scalar;
    return { z, loss, accuracy, features: c };
  }
}

/**
 * Each feature of pooled [B, D] to zero mean and unit variance over the batch (BatchNorm's
 * training-mode statistics, no learned scale). Why: the time-mean of a freshly initialised
 * encoder varies very little between windows (demo preset: across-batch sd 0.002 at the GRU
 * against a mean of 0.065, because every default-initialised conv shrinks the signal ~2.5×), so
 * the head's logits barely differ between speakers, the loss sits at ln(speakers) and Adam needs
 * hundreds of steps to grow the weights before anything is learnt. The linear probes standardise
 * their inputs for the same reason. Only the training head sees this: the encoder's
 * representations, which the probes evaluate, are unchanged.
 */
export function standardizeOverBatch(pooled: Tensor): Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(pooled, 0); // [D] each
    return tf.div(tf.sub(pooled, mean), tf.sqrt(tf.add(variance, 1e-5)));
  });
}

export class SupervisedAudioModel extends BaseModule {
  readonly modules: SupervisedAudioModule[] = [];
  readonly optimizers: Adam[];

  constructor(encoder: AudioEncoderConfig, classes: number, learningRate: number, seed: number) {
    super();
    const rng = new Rng(seed);
    let channels = 1;
    audioModuleSpecs(encoder.layout, encoder.kernels.length).forEach((spec, m) => {
      const module = new SupervisedAudioModule(spec, encoder, channels, classes, rng);
      this.modules.push(this.registerChild(`module${m + 1}`, module));
      channels = module.outputChannels;
    });
    this.optimizers = this.modules.map((m) => new Adam(m.namedParameters(), learningRate));
  }

  /** One simultaneous step: audio [B × samples], speaker labels [B]. */
  trainStep(
    audio: Float32Array,
    speakers: Int32Array,
    samples: number,
    rng: Rng,
  ): (ModuleStepStats | null)[] {
    // Batch statistics of one window are zero: the head would see only zeros and learn nothing.
    if (speakers.length < 2)
      throw new ConfigError(
        'train.batchSize',
        'at least 2 (the supervised head standardises over the batch)',
        speakers.length,
        'supervised baseline',
      );
    const x = tf.tensor3d(audio, [speakers.length, samples, 1]); // [B, T, 1]
    const targets = tf.tensor1d(speakers, 'int32');
    for (const m of this.modules) m.targets = targets;
    try {
      return trainStackStep(this.modules, this.optimizers, x, rng);
    } finally {
      for (const m of this.modules) m.targets = null;
      tf.dispose([x, targets]);
    }
  }

  /** Frozen per-module features, as AudioGimModel.representations (z below the top, c at the top). */
  representations(x: Tensor, upTo = this.modules.length): Tensor[] {
    return stackRepresentations(this.modules, x, upTo);
  }

  override dispose(): void {
    super.dispose();
    for (const o of this.optimizers) o.dispose();
  }
}
