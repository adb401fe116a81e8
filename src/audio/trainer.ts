/**
 * Training of audio GIM: model + one Adam per module + seeded randomness + a batch source,
 * with checkpoints that resume exactly (same losses as an uninterrupted run with the same seed).
 */
import { tf } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { Adam } from '../nn/adam.js';
import { CheckpointError } from '../errors.js';
import { AudioGimModel } from './model.js';
import { moduleCount, resolveAudioConfig, type AudioGimConfig } from './config.js';
import { trainStackStep, type ModuleStepStats } from '../core/train-step.js';
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
import type { AudioBatchSource, LabelledWindows } from './batches.js';
import { CacheSource } from '../cache/cache-source.js';
import {
  writeActivationCache,
  type CacheItemBatch,
  type LazyItemBatch,
} from '../cache/activation-cache.js';
import { join } from 'node:path';

export interface StepRecord {
  readonly step: number;
  /** Wall-clock seconds of this step (data + forward + backward + update). */
  readonly seconds: number;
  /** Per-module loss and accuracy (null for a module that did not train this step). */
  readonly modules: readonly (ModuleStepStats | null)[];
  readonly memory: {
    readonly tensorBytes: number;
    readonly tensors: number;
    readonly rssBytes: number;
    /** Peak resident set size of the process so far. */
    readonly peakRssBytes?: number;
    /** Peak bytes held by tensors during this step (only on steps that were profiled). */
    readonly peakTensorBytes?: number;
  };
}

export interface TrainCallbacks {
  onStep?(record: StepRecord): void;
  /**
   * Checked before each step and between batches of an activation-cache build; return true to
   * stop cleanly (e.g. after Ctrl-C): the run saves a checkpoint and returns. The run yields to
   * the event loop before each check, so a signal handler that sets the flag gets to run.
   */
  shouldStop?(): boolean;
  /** Called after a periodic checkpoint was written. */
  onCheckpoint?(path: string, step: number): void;
  /** Progress while a frozen module's outputs are written to the activation cache. */
  onCache?(module: number, items: number, dir: string): void;
}

interface AudioCheckpointMeta {
  readonly kind: 'audio-gim';
  readonly config: AudioGimConfig;
  readonly step: number;
  readonly rng: number[];
  readonly optimizerSteps: number[];
  readonly data: unknown;
  readonly schedule: ScheduleState;
  readonly cache: unknown;
}

/** Where a run stands in its schedule (saved in checkpoints). */
export interface ScheduleState {
  /** Modules below this index are frozen: run forward only, never updated. */
  readonly frozenBelow: number;
  /** 'sequential': steps taken by the module now training. */
  readonly stepsInModule: number;
  /** 'sequential': exponential moving average of its loss (NaN before the first step). */
  readonly smoothedLoss: number;
}

export interface ResumeOptions {
  /** Append one module on top of the stack (encoder.depth + 1) and train only it. */
  readonly addModule?: boolean;
}

/** Config fields that may differ when resuming (they do not change the model or the data). */
const RESUMABLE_FIELDS = new Set([
  'train.peakMemoryEvery',
  'train.steps',
  'train.logEvery',
  'train.checkpointEvery',
  'train.stepsPerModule',
  'train.lossTarget',
  // Whether a bad utterance is skipped or stops the run changes neither the model nor the data
  // order (epochs pass over broken files without drawing for them).
  'data.strict',
]);

export class AudioTrainer {
  readonly model: AudioGimModel;
  readonly optimizers: Adam[];
  private stepCount = 0;
  private schedule: ScheduleState = { frozenBelow: 0, stepsInModule: 0, smoothedLoss: Number.NaN };
  /** With the activation cache: where the module now training reads its input. */
  private cacheSource: CacheSource | null = null;
  private runDir: string | null = null;
  /** Step of the checkpoint on disk that this trainer wrote or resumed from (for error messages). */
  private savedStep: number | null = null;

  private constructor(
    readonly config: AudioGimConfig,
    readonly source: AudioBatchSource,
    readonly rng: Rng,
  ) {
    // Weights come from their own stream so that the data/negatives stream does not depend on model size.
    const initRng = new Rng(config.train.seed);
    this.model = new AudioGimModel(config.encoder, config.loss, initRng);
    this.optimizers = this.model.modules.map(
      (m) => new Adam(m.namedParameters(), config.train.learningRate),
    );
  }

  static create(config: AudioGimConfig, source: AudioBatchSource): AudioTrainer {
    return new AudioTrainer(config, source, new Rng(config.train.seed + 1));
  }

  /**
   * Rebuild a trainer from `dir`; `config` must equal the checkpoint's except for
   * RESUMABLE_FIELDS. With `addModule`, `config.encoder.depth` must be one more than the
   * checkpoint's: earlier modules are loaded and frozen, only the new module trains.
   */
  static async resume(
    dir: string,
    config: AudioGimConfig,
    source: AudioBatchSource,
    options: ResumeOptions = {},
  ): Promise<AudioTrainer> {
    const ckpt = loadCheckpoint<AudioCheckpointMeta>(dir);
    if (ckpt.meta.kind !== 'audio-gim')
      throw new CheckpointError(dir, `holds a "${ckpt.meta.kind}" model, expected "audio-gim"`);
    const savedDepth = moduleCount(ckpt.meta.config.encoder);
    if (options.addModule) {
      const want = {
        ...ckpt.meta.config,
        encoder: { ...ckpt.meta.config.encoder, depth: savedDepth + 1 },
      };
      assertSameConfig(dir, want, config, RESUMABLE_FIELDS);
    } else {
      assertSameConfig(dir, ckpt.meta.config, config, RESUMABLE_FIELDS);
    }
    const trainer = new AudioTrainer(config, source, new Rng(0));
    trainer.rng.setState(ckpt.meta.rng);
    trainer.stepCount = ckpt.meta.step;
    trainer.savedStep = ckpt.meta.step;
    trainer.schedule = options.addModule
      ? { frozenBelow: savedDepth, stepsInModule: 0, smoothedLoss: Number.NaN }
      : { ...ckpt.meta.schedule, smoothedLoss: ckpt.meta.schedule.smoothedLoss ?? Number.NaN };
    unpackModules(dir, ckpt.tensors, trainer.model.modules.slice(0, savedDepth), {
      adams: trainer.optimizers,
      steps: ckpt.meta.optimizerSteps,
    });
    await source.setState(ckpt.meta.data);
    trainer.runDir = dir;
    // After --add-module the new module's input cache does not exist yet: run() builds it.
    if (
      config.cache.enabled &&
      trainer.schedule.frozenBelow > 0 &&
      ckpt.meta.cache &&
      !options.addModule
    ) {
      trainer.cacheSource = trainer.openCache(trainer.schedule.frozenBelow);
      trainer.cacheSource.setState(ckpt.meta.cache as Parameters<CacheSource['setState']>[0]);
    }
    return trainer;
  }

  /** The schedule position (frozen modules, sequential progress). */
  get scheduleState(): ScheduleState {
    return this.schedule;
  }

  get step(): number {
    return this.stepCount;
  }

  /** A step, profiled for its peak tensor memory every `train.peakMemoryEvery` steps. */
  private async profiledStep(): Promise<StepRecord> {
    const every = this.config.train.peakMemoryEvery;
    if (every === 0 || (this.stepCount + 1) % every !== 0) return this.trainStep();
    let record: StepRecord | null = null;
    const info = await tf.profile(async () => {
      record = await this.trainStep();
    });
    const r = record as unknown as StepRecord;
    return { ...r, memory: { ...r.memory, peakTensorBytes: info.peakBytes } };
  }

  /** Which modules step on this batch (the rest below the highest active one run forward only). */
  activeModules(): boolean[] {
    const { train } = this.config;
    const count = this.model.modules.length;
    const { frozenBelow } = this.schedule;
    if (train.schedule === 'sequential')
      return this.model.modules.map((_, m) => m === Math.min(frozenBelow, count - 1));
    return this.model.modules.map(
      (_, m) =>
        m >= frozenBelow &&
        (train.updatePeriods.length === 0 || this.stepCount % train.updatePeriods[m]! === 0),
    );
  }

  /** One step of the configured schedule. */
  async trainStep(): Promise<StepRecord> {
    if (this.cacheSource) return this.trainStepFromCache(this.cacheSource);
    const start = performance.now();
    const { config } = this;
    const audio = await this.source.next();
    const active = this.activeModules();
    const top = active.lastIndexOf(true) + 1; // modules above the highest active one are not run
    const x = tf.tensor3d(audio, [config.train.batchSize, config.data.windowSamples, 1]); // [B, T, 1]
    const stats =
      top === 0
        ? []
        : trainStackStep(
            this.model.modules.slice(0, top),
            this.optimizers,
            x,
            this.rng,
            active,
            (m, input) => this.model.modules[m]!.encode(input),
          );
    x.dispose();
    const modules = this.model.modules.map((_, m) => stats[m] ?? null);
    this.stepCount += 1;
    this.advanceSchedule(modules);
    return {
      step: this.stepCount,
      seconds: (performance.now() - start) / 1000,
      modules,
      memory: stepMemory(),
    };
  }

  /**
   * Sequential schedule with the activation cache: module m reads module m−1's stored outputs;
   * the modules below are not run at all, so memory is that of module m alone.
   */
  private async trainStepFromCache(cache: CacheSource): Promise<StepRecord> {
    const start = performance.now();
    const m = this.schedule.frozenBelow;
    const values = await cache.next();
    const x = tf.tensor(values, [this.config.train.batchSize, ...cache.itemShape]); // [B, T, C]
    const [stats] = trainStackStep([this.model.modules[m]!], [this.optimizers[m]!], x, this.rng);
    x.dispose();
    const modules = this.model.modules.map((_, i) => (i === m ? (stats ?? null) : null));
    this.stepCount += 1;
    this.advanceSchedule(modules);
    return {
      step: this.stepCount,
      seconds: (performance.now() - start) / 1000,
      modules,
      memory: stepMemory(),
    };
  }

  private cacheDir(module: number): string {
    const root = this.config.cache.dir || (this.runDir ? join(this.runDir, 'cache') : null);
    if (!root)
      throw new CheckpointError(
        '(no run directory)',
        'the activation cache needs cache.dir or a run directory',
      );
    return join(root, `module${module}`);
  }

  private openCache(module: number): CacheSource {
    return new CacheSource(
      this.cacheDir(module),
      this.config.train.batchSize,
      this.config.train.seed + 100 + module,
    );
  }

  /**
   * Write the outputs of frozen module `module` (1-based) over the training set, from the raw
   * data (module 1) or from the previous cache, then train the next module from them. Returns
   * false if `callbacks.shouldStop` stopped it: the shards written so far are kept and verified
   * when the build is resumed.
   */
  private async buildCache(module: number, callbacks: TrainCallbacks): Promise<boolean> {
    const frozen = this.model.modules[module - 1]!;
    const { cache, data } = this.config;
    const inputs: AsyncIterable<LabelledWindows | CacheItemBatch> =
      module === 1
        ? this.source.finitePass(cache.draws, cache.toneItems)
        : this.openCache(module - 1).inOrder();
    const inputShape =
      module === 1 ? [data.windowSamples, 1] : this.openCache(module - 1).itemShape;
    async function* lazy(): AsyncGenerator<LazyItemBatch> {
      for await (const batch of inputs) {
        const values = 'audio' in batch ? batch.audio : batch.values;
        const count = batch.speaker.length;
        yield {
          count,
          compute: () => {
            const x = tf.tensor(values, [count, ...inputShape]);
            const z = frozen.encode(x);
            x.dispose();
            const out = {
              values: z.dataSync() as Float32Array,
              speaker: batch.speaker,
              startSample: batch.startSample,
            };
            z.dispose();
            return out;
          },
        };
      }
    }
    const dir = this.cacheDir(module);
    // The item shape is known only after the first batch is encoded; probe it up front.
    const probe = frozen.encode(tf.zeros([1, ...inputShape]));
    const itemShape = probe.shape.slice(1);
    probe.dispose();
    const manifest = await writeActivationCache(dir, lazy(), {
      module,
      source:
        module === 1
          ? data.source === 'tones'
            ? 'generated tones'
            : data.dir
          : this.cacheDir(module - 1),
      itemShape,
      dtype: cache.dtype,
      shardItems: cache.shardItems,
      sampling:
        module === 1
          ? data.source === 'tones'
            ? `${cache.toneItems} fixed generated windows`
            : `${cache.draws} random window(s) per training utterance`
          : 'as the cache below',
      onProgress: (items) => callbacks.onCache?.(module, items, dir),
      shouldStop: () => callbacks.shouldStop?.() ?? false,
    });
    return manifest !== null;
  }

  /**
   * Sequential schedule with the cache: a module was frozen but the cache of its outputs is not
   * open yet (it was just frozen, or the checkpoint was saved before its cache was complete).
   */
  private needsCache(): boolean {
    return (
      this.config.cache.enabled &&
      this.config.train.schedule === 'sequential' &&
      this.schedule.frozenBelow > 0 &&
      this.cacheSource === null
    );
  }

  /** Sequential schedule: freeze the current module when its budget or loss target is reached. */
  private advanceSchedule(modules: readonly (ModuleStepStats | null)[]): void {
    const { train } = this.config;
    if (train.schedule !== 'sequential') return;
    const m = this.schedule.frozenBelow;
    const loss = modules[m]?.loss;
    if (loss === undefined) return;
    const ema = Number.isNaN(this.schedule.smoothedLoss)
      ? loss
      : 0.9 * this.schedule.smoothedLoss + 0.1 * loss;
    const steps = this.schedule.stepsInModule + 1;
    const budget = train.stepsPerModule || Math.ceil(train.steps / this.model.modules.length);
    const done = steps >= budget || (train.lossTarget > 0 && steps >= 10 && ema < train.lossTarget);
    const freeze = done && m < this.model.modules.length - 1;
    this.schedule = freeze
      ? { frozenBelow: m + 1, stepsInModule: 0, smoothedLoss: Number.NaN }
      : { frozenBelow: m, stepsInModule: steps, smoothedLoss: ema };
    // The next module reads the cache of the module just frozen, which `run` builds next.
    if (freeze) this.cacheSource = null;
  }

  /** Train until `config.train.steps`, saving to `dir` every `checkpointEvery` steps and at the end. */
  async run(dir: string | null, callbacks: TrainCallbacks = {}): Promise<StepRecord[]> {
    const records: StepRecord[] = [];
    const { steps, checkpointEvery } = this.config.train;
    this.runDir = dir ?? this.runDir;
    if (dir) removeStaleTemp(dir); // left by a save that was killed (kill -9, power loss)
    while (this.stepCount < steps) {
      // A step never waits on a macrotask, so without this a SIGINT handler would never run.
      await yieldToEventLoop();
      if (callbacks.shouldStop?.()) break;
      if (this.needsCache()) {
        if (!(await this.buildCache(this.schedule.frozenBelow, callbacks))) break;
        this.cacheSource = this.openCache(this.schedule.frozenBelow);
      }
      const record = await this.profiledStep();
      // Throws before anything of this step is logged or saved: the checkpoint stays the last good one.
      assertFiniteLosses(record, this.lastCheckpoint(dir));
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
  private lastCheckpoint(dir: string | null): string {
    const where = dir ?? this.runDir;
    return where && this.savedStep !== null
      ? `the last good checkpoint (step ${this.savedStep}) is kept in ${checkpointPath(where)}`
      : 'no checkpoint was saved';
  }

  /** Save the state to `dir`; refuses (TrainingDivergedError) a non-finite weight or moment. */
  save(dir: string): string {
    const tensors = packModules(this.model.modules, this.optimizers);
    assertFiniteTensors(tensors, this.stepCount, this.lastCheckpoint(dir));
    const meta: AudioCheckpointMeta = {
      kind: 'audio-gim',
      config: this.config,
      step: this.stepCount,
      rng: this.rng.getState(),
      optimizerSteps: this.optimizers.map((o) => o.step),
      data: this.source.getState(),
      schedule: this.schedule,
      cache: this.cacheSource?.getState() ?? null,
    };
    const path = saveCheckpoint(dir, { meta, tensors });
    this.savedStep = this.stepCount;
    return path;
  }

  dispose(): void {
    this.model.dispose();
    for (const o of this.optimizers) o.dispose();
  }
}

/** Read only the resolved config stored in a checkpoint (for `--resume` and `gim eval`). */
export function readCheckpointConfig(dir: string): AudioGimConfig {
  const meta = loadCheckpoint<AudioCheckpointMeta>(dir).meta;
  if (meta.kind !== 'audio-gim')
    throw new CheckpointError(dir, `holds a "${meta.kind}" model, expected "audio-gim"`);
  return resolveAudioConfig([{ source: `checkpoint ${dir}`, values: meta.config }]);
}
