/**
 * The audio GIM model: the CPC encoder (five strided Conv1d + ReLU, then a GRU) cut into
 * gradient-isolated modules, each with its own InfoNCE head (spec §2.2–2.4).
 *
 * A module maps its input x to z (the output of its conv layers, or x itself when it holds only
 * the GRU) and to a context c (the GRU output when it has the GRU, else z). Its loss is
 * InfoNCE(z, c); the next module receives z, never c.
 */
import { tf, type Tensor, type Scalar } from '../backend/tf.js';
import type { Rng } from '../backend/random.js';
import { BaseModule, parameterCount } from '../nn/module.js';
import { Conv1d } from '../nn/conv1d.js';
import { Gru } from '../nn/gru.js';
import { SequenceInfoNce, type InfoNceConfig } from '../losses/info-nce.js';
import type { AudioEncoderConfig, AudioLayout } from './config.js';

/** Which encoder parts one module holds. */
export interface AudioModuleSpec {
  /** Indices of the conv layers (0-based). */
  readonly convLayers: readonly number[];
  /** Whether the module ends with the GRU. */
  readonly hasGru: boolean;
}

/** The named module layouts as explicit lists (spec §2.3). */
export function audioModuleSpecs(layout: AudioLayout, convCount: number): AudioModuleSpec[] {
  const all = Array.from({ length: convCount }, (_, i) => i);
  switch (layout) {
    case 'cpc':
      return [{ convLayers: all, hasGru: true }];
    case 'gim-5':
      return [
        ...all.slice(0, -1).map((i) => ({ convLayers: [i], hasGru: false })),
        { convLayers: [convCount - 1], hasGru: true },
      ];
    case 'gim-6':
      return [
        ...all.map((i) => ({ convLayers: [i], hasGru: false })),
        { convLayers: [], hasGru: true },
      ];
  }
}

/**
 * The encoder layers of one module, in a fixed order (convs, then the GRU) so that a seeded Rng
 * gives the same weights whichever head (InfoNCE or supervised) the module carries.
 */
export function buildModuleLayers(
  spec: AudioModuleSpec,
  encoder: AudioEncoderConfig,
  inChannels: number,
  rng: Rng,
): { convs: [string, Conv1d][]; gru: Gru | null; channels: number } {
  let channels = inChannels;
  const convs: [string, Conv1d][] = [];
  for (const layer of spec.convLayers) {
    const conv = new Conv1d(
      {
        inChannels: channels,
        outChannels: encoder.channels,
        kernel: encoder.kernels[layer]!,
        stride: encoder.strides[layer]!,
        padding: encoder.paddings[layer]!,
      },
      rng,
    );
    convs.push([`conv${layer + 1}`, conv]);
    channels = encoder.channels;
  }
  const gru = spec.hasGru ? new Gru(channels, encoder.gruHidden, rng) : null;
  return { convs, gru, channels };
}

export interface ModuleOutput {
  /** Encoder output passed on to the next module: [B, T, C]. */
  readonly z: Tensor;
  /** Context used for prediction (GRU output or z): [B, T, D]. */
  readonly c: Tensor;
}

export class AudioGimModule extends BaseModule {
  readonly convs: Conv1d[] = [];
  readonly gru: Gru | null;
  readonly infoNce: SequenceInfoNce;

  constructor(
    readonly spec: AudioModuleSpec,
    encoder: AudioEncoderConfig,
    inChannels: number,
    loss: InfoNceConfig,
    rng: Rng,
  ) {
    super();
    const layers = buildModuleLayers(spec, encoder, inChannels, rng);
    for (const [name, conv] of layers.convs) this.convs.push(this.registerChild(name, conv));
    this.gru = layers.gru ? this.registerChild('gru', layers.gru) : null;
    const channels = layers.channels;
    const contextChannels = this.gru ? encoder.gruHidden : channels;
    this.infoNce = this.registerChild(
      'loss',
      new SequenceInfoNce(contextChannels, channels, loss, rng),
    );
  }

  /** Channels of z. */
  get outputChannels(): number {
    return this.infoNce.targetChannels;
  }

  /** x: [B, T, Cin] → z [B, T', C] and c [B, T', D]. */
  forward(x: Tensor): ModuleOutput {
    let z = x;
    for (const conv of this.convs) z = tf.relu(conv.forward(z));
    const c = this.gru ? this.gru.forward(z) : z;
    return { z, c };
  }

  /** Forward plus this module's InfoNCE loss. */
  forwardWithLoss(
    x: Tensor,
    rng: Rng,
  ): ModuleOutput & { loss: Scalar; accuracy: Scalar; features: Tensor } {
    const out = this.forward(x);
    const { loss, accuracy } = this.infoNce.compute(out.z, out.c, rng);
    return { ...out, loss, accuracy, features: out.c };
  }

  /** Forward pass without loss, for a frozen module: returns z (a fresh tensor the caller owns). */
  encode(x: Tensor): Tensor {
    return tf.tidy(() => {
      let z = x;
      for (const conv of this.convs) z = tf.relu(conv.forward(z));
      return z === x ? tf.clone(x) : z; // the GRU does not change z, so it is not run
    });
  }

  /** Parameters of the encoder part only (kept after training; the predictor is discarded). */
  encoderParameterCount(): number {
    return parameterCount(this) - parameterCount(this.infoNce);
  }
}

/** The whole stack of modules. */
export class AudioGimModel extends BaseModule {
  readonly modules: AudioGimModule[] = [];

  constructor(
    readonly encoder: AudioEncoderConfig,
    loss: InfoNceConfig,
    rng: Rng,
  ) {
    super();
    let channels = 1; // raw waveform
    const specs = audioModuleSpecs(encoder.layout, encoder.kernels.length);
    // `depth` builds only the lowest modules; weights are drawn in module order, so a module added
    // later gets the same initial weights it would have had in a full build.
    specs.slice(0, encoder.depth || specs.length).forEach((spec, m) => {
      const module = new AudioGimModule(spec, encoder, channels, loss, rng);
      this.modules.push(this.registerChild(`module${m + 1}`, module));
      channels = module.outputChannels;
    });
  }

  /**
   * Frozen representations of every module for a batch of waveforms x: [B, T, 1]. Entry m is
   * module m's c for the last module (the GRU context, as the reference's probes use) and its z
   * otherwise. Runs without recording gradients.
   */
  representations(x: Tensor, upTo = this.modules.length): Tensor[] {
    return stackRepresentations(this.modules, x, upTo);
  }
}

/**
 * The per-module features of a stack of audio modules (InfoNCE or supervised): module m's z,
 * except the top module's c. Runs without recording gradients.
 */
export function stackRepresentations(
  modules: readonly { forward(x: Tensor): { z: Tensor; c: Tensor } }[],
  x: Tensor,
  upTo = modules.length,
): Tensor[] {
  return tf.tidy(() => {
    const out: Tensor[] = [];
    let input = x;
    modules.slice(0, upTo).forEach((module, m) => {
      const { z, c } = module.forward(input);
      out.push(m === modules.length - 1 ? c : z);
      input = z;
    });
    return out;
  });
}
