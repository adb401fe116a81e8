/**
 * Vision as a Modality of the shared Trainer: images cut into a patch grid, the patches
 * [B·G·G, p, p, C] into the ResNet stack. An activation-cache item is one image's patch-grid
 * maps [G·G, h, w, C], stored with the image's class (for the supervised baselines).
 */
import type { Modality } from '../core/modality.js';
import { SCHEDULE_RESUMABLE_FIELDS } from '../core/schedule-config.js';
import { Rng } from '../backend/random.js';
import { VisionGimModel } from './model.js';
import {
  resolveVisionConfig,
  visionGridSize,
  visionLayoutModuleCount,
  visionModuleCount,
  visionPipeline,
  type VisionGimConfig,
} from './config.js';
import type { VisionBatchSource, VisionSourceState } from './data.js';
import { VisionMemoryError, estimateStepBytes, isOutOfMemory, memoryMessage } from './memory.js';

import { infoNceChance } from '../core/collapse.js';

export const VISION_CHECKPOINT_KIND = 'vision-gim';

/** Builds the model a config describes, with weights from the config's seed. */
/** Both built-in data sets have 10 classes; the supervised heads are sized for them. */
export function buildVisionModel(config: VisionGimConfig, classes = 10): VisionGimModel {
  return new VisionGimModel(
    config.encoder,
    config.loss,
    visionGridSize(config.data),
    new Rng(config.train.seed),
    { classes },
  );
}

export type VisionModality = Modality<VisionGimConfig, VisionGimModel, VisionBatchSource>;

/** `backend` names the backend in out-of-memory messages. */
export function visionModality(backend = 'unknown'): VisionModality {
  return {
    name: 'vision',
    checkpointKind: VISION_CHECKPOINT_KIND,
    resumableFields: new Set([...SCHEDULE_RESUMABLE_FIELDS, 'probe']),
    resolveConfig: (layers) => resolveVisionConfig(layers),
    depth: (config) => visionModuleCount(config.encoder),
    layoutDepth: (config) => visionLayoutModuleCount(config.encoder),
    withDepth: (config, depth) => ({ ...config, encoder: { ...config.encoder, depth } }),
    buildModel: (config) => buildVisionModel(config),
    // InfoNCE: one positive among N negatives; the supervised heads: 10 classes (buildVisionModel).
    chance: (config) =>
      config.loss.objective === 'infonce'
        ? infoNceChance(config.loss.negativeSamples)
        : { accuracy: 1 / 10, loss: Math.log(10) },
    async nextBatch(source) {
      const batch = source.next();
      return { values: batch.patches, shape: batch.patchShape, labels: batch.labels }; // [B·G·G, p, p, C]
    },
    sourceState: (source) => source.getState(),
    restoreSource: async (source, state) => source.setState(state as VisionSourceState),
    async *finitePass(source, config) {
      for (const batch of source.finitePass(config.cache.draws, config.cache.images))
        yield {
          values: batch.patches,
          count: batch.batchSize,
          label: batch.labels,
          position: batch.indices,
        };
    },
    passItems: (source, { cache }) =>
      cache.draws * (cache.images > 0 ? Math.min(cache.images, source.count) : source.count),
    rawItemShape(config) {
      const p = visionPipeline(config.data).patchSize;
      // Both built-in data sets are grey (the model is built with one input channel).
      return [visionGridSize(config.data) ** 2, p, p, 1]; // [G·G, p, p, C]
    },
    // Items fold into the patch axis: count images of [G·G, h, w, C] are [count·G·G, h, w, C].
    inputShape: (count, itemShape) => [count * itemShape[0]!, ...itemShape.slice(1)],
    itemShape: (outputShape, count) => [outputShape[0]! / count, ...outputShape.slice(1)],
    describePass: ({ data, cache }) => ({
      source: data.dir || data.source,
      sampling: `${cache.images || 'all'} training images, ${cache.draws} random augmentation(s) each`,
    }),
    setLabels: (model, labels) => model.setLabels(labels),
    explainStepError(err, config) {
      if (!isOutOfMemory(err)) return null;
      const estimate = estimateStepBytes(config, config.train.batchSize);
      return new VisionMemoryError(
        `${memoryMessage(config, backend, estimate)} (the backend ran out of memory: ${(err as Error).message})`,
      );
    },
  };
}
