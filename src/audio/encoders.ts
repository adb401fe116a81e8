/**
 * What the probes look at: a frozen encoder that maps a batch of waveforms to one feature block
 * per module. Adapters for trained/random audio GIM models, the supervised baselines, and the
 * hand-crafted MFCC front end.
 */
import { tf, type Tensor } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { unpackModules } from '../core/module-state.js';
import { AudioGimModel, type AudioModuleSpec } from './model.js';
import { readCheckpointConfig } from './trainer.js';
import { encoderLengths, type AudioEncoderConfig, type AudioGimConfig } from './config.js';
import { loadCheckpoint } from '../core/checkpoint.js';
import type { Conv1d } from '../nn/conv1d.js';
import type { Gru } from '../nn/gru.js';
import { encoderFrameCount, mfcc } from './features/index.js';

/** Features of a batch: [batch, frames, dim] row-major. */
export interface FeatureBlock {
  readonly batch: number;
  readonly frames: number;
  readonly dim: number;
  readonly data: Float32Array;
}

export interface FrozenEncoder {
  readonly moduleCount: number;
  /** Output frames of every module for an input of `samples` samples (no padding involved). */
  frameCounts(samples: number): number[];
  /** audio: [batch × samples], normalised → one block per module, lowest first. */
  encode(audio: Float32Array, batch: number, samples: number): FeatureBlock[];
  dispose(): void;
}

/** Anything with per-module frozen representations of x [B, T, 1] (see AudioGimModel). */
export interface RepresentationModel {
  readonly modules: readonly { readonly spec: AudioModuleSpec }[];
  representations(x: Tensor): Tensor[];
  dispose(): void;
}

/** Wraps a model; features are read back to plain arrays, so no tensor outlives the call. */
export function modelEncoder(
  model: RepresentationModel,
  encoder: AudioEncoderConfig,
): FrozenEncoder {
  return {
    moduleCount: model.modules.length,
    frameCounts(samples) {
      const lengths = encoderLengths(encoder, samples);
      let frames = samples;
      return model.modules.map(({ spec }) => {
        if (spec.convLayers.length > 0)
          frames = lengths[spec.convLayers[spec.convLayers.length - 1]!]!;
        return frames;
      });
    },
    encode(audio, batch, samples) {
      const x = tf.tensor3d(audio, [batch, samples, 1]); // [B, T, 1]
      const reps = model.representations(x);
      x.dispose();
      return readBlocks(reps);
    },
    dispose: () => model.dispose(),
  };
}

/** A model whose modules expose their conv layers and GRU (AudioGimModel, SupervisedAudioModel). */
export interface LayeredModel {
  readonly modules: readonly { readonly convs: readonly Conv1d[]; readonly gru: Gru | null }[];
  dispose(): void;
}

/**
 * One feature block per encoder *layer*: each conv's ReLU output, then the GRU context. For the
 * gim-6 layout this is exactly one block per module (as `modelEncoder`); for an end-to-end
 * model ('cpc' layout, Supervised) it gives the paper's per-layer curve (spec §5.4).
 */
export function layerEncoder(model: LayeredModel, encoder: AudioEncoderConfig): FrozenEncoder {
  const layers = model.modules.flatMap((m) => [
    ...m.convs.map((conv) => ({ conv, gru: null })),
    ...(m.gru ? [{ conv: null, gru: m.gru }] : []),
  ]);
  return {
    moduleCount: layers.length,
    frameCounts(samples) {
      const lengths = encoderLengths(encoder, samples);
      let conv = -1;
      return layers.map((l) => (l.conv ? lengths[++conv]! : lengths[Math.max(0, conv)]!));
    },
    encode(audio, batch, samples) {
      const outs = tf.tidy(() => {
        let z: Tensor = tf.tensor3d(audio, [batch, samples, 1]); // [B, T, 1]
        return layers.map((l) => {
          if (l.conv) {
            z = tf.relu(l.conv.forward(z)); // [B, T_l, C]
            return z;
          }
          return l.gru!.forward(z); // [B, T, H]
        });
      });
      return readBlocks(outs);
    },
    dispose: () => model.dispose(),
  };
}

/** MFCC (13 + Δ + ΔΔ = 39 per 10 ms frame, aligned with the encoder's frames) as a one-module encoder. */
export function mfccEncoder(): FrozenEncoder {
  return {
    moduleCount: 1,
    frameCounts: (samples) => [encoderFrameCount(samples)],
    encode(audio, batch, samples) {
      const parts = Array.from({ length: batch }, (_, b) =>
        mfcc(audio.subarray(b * samples, (b + 1) * samples), { deltas: true }),
      );
      const { frames, dim } = parts[0]!;
      const data = new Float32Array(batch * frames * dim);
      parts.forEach((p, b) => data.set(p.data, b * frames * dim));
      return [{ batch, frames, dim, data }];
    },
    dispose() {},
  };
}

/** Rebuilds the model saved by `gim train` in `dir` (weights only; the optimiser state is ignored). */
export function loadAudioModel(dir: string): { config: AudioGimConfig; model: AudioGimModel } {
  const config = readCheckpointConfig(dir);
  const ckpt = loadCheckpoint<unknown>(dir);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(config.train.seed));
  try {
    unpackModules(dir, ckpt.tensors, model.modules);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { config, model };
}

/** Reads [B, frames, dim] tensors into feature blocks and frees them. */
function readBlocks(tensors: Tensor[]): FeatureBlock[] {
  const blocks = tensors.map((r) => {
    const [batch, frames, dim] = r.shape as [number, number, number];
    return { batch, frames, dim, data: r.dataSync() as Float32Array };
  });
  tf.dispose(tensors);
  return blocks;
}
