/** Audio as a Modality of the shared Trainer: raw waveform windows into the CPC encoder stack. */
import { Rng } from '../backend/random.js';
import type { Modality } from '../core/modality.js';
import { infoNceChance } from '../core/collapse.js';
import { SCHEDULE_RESUMABLE_FIELDS } from '../core/schedule-config.js';
import { AudioGimModel } from './model.js';
import {
  layoutModuleCount,
  moduleCount,
  resolveAudioConfig,
  type AudioGimConfig,
} from './config.js';
import type { AudioBatchSource } from './batches.js';

export const AUDIO_CHECKPOINT_KIND = 'audio-gim';

export const audioModality: Modality<AudioGimConfig, AudioGimModel, AudioBatchSource> = {
  name: 'audio',
  checkpointKind: AUDIO_CHECKPOINT_KIND,
  resumableFields: new Set([
    ...SCHEDULE_RESUMABLE_FIELDS,
    // Whether a bad utterance is skipped or stops the run changes neither the model nor the data
    // order (epochs pass over broken files without drawing for them).
    'data.strict',
  ]),
  resolveConfig: (layers) => resolveAudioConfig(layers),
  depth: (config) => moduleCount(config.encoder),
  layoutDepth: (config) => layoutModuleCount(config.encoder.layout, config.encoder.kernels.length),
  withDepth: (config, depth) => ({ ...config, encoder: { ...config.encoder, depth } }),
  buildModel: (config) =>
    new AudioGimModel(config.encoder, config.loss, new Rng(config.train.seed)),
  // One positive among N negatives per prediction.
  chance: (config) => infoNceChance(config.loss.negativeSamples),
  async nextBatch(source, config) {
    const values = await source.next();
    return { values, shape: [config.train.batchSize, config.data.windowSamples, 1] }; // [B, T, 1]
  },
  sourceState: (source) => source.getState(),
  restoreSource: (source, state) => source.setState(state),
  async *finitePass(source, config) {
    for await (const batch of source.finitePass(config.cache.draws, config.cache.toneItems))
      yield {
        values: batch.audio,
        count: batch.speaker.length,
        label: batch.speaker,
        position: batch.startSample,
      };
  },
  // Tones: whole batches of the fixed windows; a corpus pass depends on which files load.
  passItems: (_source, { data, cache, train }) =>
    data.source === 'tones'
      ? Math.floor(cache.toneItems / train.batchSize) * train.batchSize
      : null,
  rawItemShape: (config) => [config.data.windowSamples, 1],
  inputShape: (count, itemShape) => [count, ...itemShape], // [B, T, C]
  itemShape: (outputShape) => outputShape.slice(1),
  describePass: ({ data, cache }) =>
    data.source === 'tones'
      ? { source: 'generated tones', sampling: `${cache.toneItems} fixed generated windows` }
      : { source: data.dir, sampling: `${cache.draws} random window(s) per training utterance` },
};
