/**
 * Training of vision GIM (and of the CPC / supervised baselines, which are the same model with
 * another layout or head): model + one Adam per module + seeded randomness + a batch source, with
 * checkpoints that resume exactly (same losses as an uninterrupted run with the same seed).
 */
import { tf } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { Adam } from '../nn/adam.js';
import { CheckpointError } from '../errors.js';
import { VisionGimModel } from './model.js';
import { resolveVisionConfig, visionGridSize, type VisionGimConfig } from './config.js';
import { trainStackStep } from '../core/train-step.js';
import {
  assertSameConfig,
  checkpointPath,
  loadCheckpoint,
  removeStaleTemp,
  saveCheckpoint,
} from '../core/checkpoint.js';
import {
  assertFiniteLosses,
  assertFiniteTensors,
  packModules,
  stepMemory,
  unpackModules,
  yieldToEventLoop,
} from '../core/module-state.js';
import { VisionBatchSource, type VisionSourceState } from './data.js';
import { VisionMemoryError, estimateStepBytes, isOutOfMemory, memoryMessage } from './memory.js';
import type { StepRecord, TrainCallbacks } from '../audio/trainer.js';

export type { StepRecord, TrainCallbacks } from '../audio/trainer.js';

export const VISION_CHECKPOINT_KIND = 'vision-gim';

interface VisionCheckpointMeta {
  readonly kind: typeof VISION_CHECKPOINT_KIND;
  readonly config: VisionGimConfig;
  readonly step: number;
  readonly rng: number[];
  readonly optimizerSteps: number[];
  readonly data: VisionSourceState;
}

/** Config fields that may differ when resuming (they change neither the model nor the data). */
const RESUMABLE_FIELDS = new Set([
  'train.steps',
  'train.logEvery',
  'train.checkpointEvery',
  'probe',
]);

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

export class VisionTrainer {
  readonly model: VisionGimModel;
  readonly optimizers: Adam[];
  private stepCount = 0;
  /** Step of the checkpoint on disk that this trainer wrote or resumed from (for error messages). */
  private savedStep: number | null = null;
  private savedDir: string | null = null;

  private constructor(
    readonly config: VisionGimConfig,
    readonly source: VisionBatchSource,
    readonly rng: Rng,
    /** Backend name, for out-of-memory messages. */
    readonly backend: string,
  ) {
    this.model = buildVisionModel(config);
    this.optimizers = this.model.modules.map(
      (m) => new Adam(m.namedParameters(), config.train.learningRate),
    );
  }

  static create(
    config: VisionGimConfig,
    source: VisionBatchSource,
    backend = 'unknown',
  ): VisionTrainer {
    return new VisionTrainer(config, source, new Rng(config.train.seed + 1), backend);
  }

  /** Rebuild a trainer from `dir`; `config` must equal the checkpoint's except for RESUMABLE_FIELDS. */
  static resume(
    dir: string,
    config: VisionGimConfig,
    source: VisionBatchSource,
    backend = 'unknown',
  ): VisionTrainer {
    const ckpt = loadCheckpoint<VisionCheckpointMeta>(dir);
    if (ckpt.meta.kind !== VISION_CHECKPOINT_KIND)
      throw new CheckpointError(
        dir,
        `holds a "${ckpt.meta.kind}" model, expected "${VISION_CHECKPOINT_KIND}"`,
      );
    assertSameConfig(dir, ckpt.meta.config, config, RESUMABLE_FIELDS);
    const trainer = new VisionTrainer(config, source, new Rng(0), backend);
    trainer.rng.setState(ckpt.meta.rng);
    trainer.stepCount = ckpt.meta.step;
    trainer.savedStep = ckpt.meta.step;
    trainer.savedDir = dir;
    loadVisionWeights(
      dir,
      ckpt.tensors,
      trainer.model,
      trainer.optimizers,
      ckpt.meta.optimizerSteps,
    );
    source.setState(ckpt.meta.data);
    return trainer;
  }

  get step(): number {
    return this.stepCount;
  }

  /** One simultaneous step over all modules. */
  trainStep(): StepRecord {
    const start = performance.now();
    const batch = this.source.next();
    if (this.config.loss.objective === 'supervised') this.model.setLabels(batch.labels);
    const x = tf.tensor4d(batch.patches, [...batch.patchShape]); // [B·G·G, p, p, C]
    let modules;
    try {
      modules = trainStackStep(this.model.modules, this.optimizers, x, this.rng);
    } catch (err) {
      if (isOutOfMemory(err)) {
        throw new VisionMemoryError(
          `${memoryMessage(this.config, this.backend, estimateStepBytes(this.config, this.config.train.batchSize))} (the backend ran out of memory: ${(err as Error).message})`,
        );
      }
      throw err;
    } finally {
      x.dispose();
    }
    this.stepCount += 1;
    return {
      step: this.stepCount,
      seconds: (performance.now() - start) / 1000,
      modules,
      memory: stepMemory(),
    };
  }

  /**
   * Train until `config.train.steps`, saving to `dir` every `checkpointEvery` steps and at the
   * end (also when `callbacks.shouldStop` stops it early). Throws TrainingDivergedError on a
   * non-finite loss or weight, without saving anything from the bad step.
   */
  async run(dir: string | null, callbacks: TrainCallbacks = {}): Promise<StepRecord[]> {
    const records: StepRecord[] = [];
    const { steps, checkpointEvery } = this.config.train;
    if (dir) removeStaleTemp(dir); // left by a save that was killed (kill -9, power loss)
    while (this.stepCount < steps) {
      // A step is synchronous: without this a SIGINT handler would never run during training.
      await yieldToEventLoop();
      if (callbacks.shouldStop?.()) break;
      const record = this.trainStep();
      assertFiniteLosses(record, this.lastCheckpoint());
      records.push(record);
      callbacks.onStep?.(record);
      if (
        dir &&
        checkpointEvery > 0 &&
        this.stepCount % checkpointEvery === 0 &&
        this.stepCount < steps
      ) {
        callbacks.onCheckpoint?.(this.save(dir), this.stepCount);
      }
    }
    if (dir) this.save(dir);
    return records;
  }

  /** Where the last good state is, for a divergence message. */
  private lastCheckpoint(): string {
    return this.savedDir !== null
      ? `the last good checkpoint (step ${this.savedStep}) is kept in ${checkpointPath(this.savedDir)}`
      : 'no checkpoint was saved';
  }

  /** Save the state to `dir`; refuses (TrainingDivergedError) a non-finite weight or moment. */
  save(dir: string): string {
    const tensors = packModules(this.model.modules, this.optimizers);
    assertFiniteTensors(tensors, this.stepCount, this.lastCheckpoint());
    const meta: VisionCheckpointMeta = {
      kind: VISION_CHECKPOINT_KIND,
      config: this.config,
      step: this.stepCount,
      rng: this.rng.getState(),
      optimizerSteps: this.optimizers.map((o) => o.step),
      data: this.source.getState(),
    };
    const path = saveCheckpoint(dir, { meta, tensors });
    this.savedStep = this.stepCount;
    this.savedDir = dir;
    return path;
  }

  dispose(): void {
    this.model.dispose();
    for (const o of this.optimizers) o.dispose();
  }
}

type Tensors = ReadonlyMap<
  string,
  { readonly shape: readonly number[]; readonly values: Float32Array }
>;

function loadVisionWeights(
  dir: string,
  tensors: Tensors,
  model: VisionGimModel,
  optimizers: Adam[] | null,
  optimizerSteps: readonly number[],
): void {
  unpackModules(
    dir,
    tensors,
    model.modules,
    optimizers ? { adams: optimizers, steps: optimizerSteps } : null,
  );
}

/** A trained model and its config, loaded from a checkpoint for evaluation (no optimiser state). */
export function loadVisionModel(dir: string): {
  config: VisionGimConfig;
  model: VisionGimModel;
  step: number;
} {
  const ckpt = loadCheckpoint<VisionCheckpointMeta>(dir);
  if (ckpt.meta.kind !== VISION_CHECKPOINT_KIND)
    throw new CheckpointError(
      dir,
      `holds a "${ckpt.meta.kind}" model, expected "${VISION_CHECKPOINT_KIND}"`,
    );
  const config = resolveVisionConfig([{ source: `checkpoint ${dir}`, values: ckpt.meta.config }]);
  const model = buildVisionModel(config);
  loadVisionWeights(dir, ckpt.tensors, model, null, []);
  return { config, model, step: ckpt.meta.step };
}

/** Read only the resolved config stored in a checkpoint (for `--resume`). */
export function readVisionCheckpointConfig(dir: string): VisionGimConfig {
  const meta = loadCheckpoint<VisionCheckpointMeta>(dir).meta;
  if (meta.kind !== VISION_CHECKPOINT_KIND)
    throw new CheckpointError(
      dir,
      `holds a "${meta.kind}" model, expected "${VISION_CHECKPOINT_KIND}"`,
    );
  return resolveVisionConfig([{ source: `checkpoint ${dir}`, values: meta.config }]);
}
