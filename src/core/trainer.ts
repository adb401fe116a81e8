/**
 * The one Trainer of every modality: a stack of gradient-isolated modules, one Adam per module,
 * seeded randomness and a batch source, trained on a schedule (simultaneous, sequential, per-module
 * update periods), optionally from an activation cache, with checkpoints that resume exactly
 * (same losses as an uninterrupted run with the same seed) and `--add-module`. What differs
 * between audio and vision comes from the Modality (modality.ts).
 */
import { join } from 'node:path';
import { tf } from '../backend/tf.js';
import { Rng } from '../backend/random.js';
import { Adam } from '../nn/adam.js';
import { CheckpointError } from '../errors.js';
import { trainStackStep, type ModuleStepStats } from './train-step.js';
import { CollapseMonitor, type CollapseWarning } from './collapse.js';
import { assertSameConfig, checkpointPath, saveCheckpoint } from './checkpoint.js';
import { removeStaleTemps } from './atomic-file.js';
import {
  assertFiniteLosses,
  assertFiniteTensors,
  packModules,
  stepMemory,
  unpackModules,
  yieldToEventLoop,
} from './module-state.js';
import {
  START_OF_SCHEDULE,
  loadCheckpointOfKind,
  type ScheduleState,
  type TrainerCheckpointMeta,
} from './trainer-checkpoint.js';
import type { InputBatch, Modality, StackModel, TrainableConfig } from './modality.js';
import { CacheSource } from '../cache/cache-source.js';
import {
  readManifest,
  writeActivationCache,
  type LazyItemBatch,
} from '../cache/activation-cache.js';

export type { ScheduleState } from './trainer-checkpoint.js';

export interface StepRecord {
  readonly step: number;
  /** Wall-clock seconds of this step (data + forward + backward + update). */
  readonly seconds: number;
  /** Per-module loss and accuracy (null for a module that did not train this step). */
  readonly modules: readonly (ModuleStepStats | null)[];
  /** Signs of collapse first seen at this step (collapse.ts); absent when none. */
  readonly warnings?: readonly CollapseWarning[];
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
  /**
   * Progress while a frozen module's outputs are written to the activation cache: once with
   * `items` 0 before a build starts (not for a cache already complete), then after each batch.
   * `total` is the items the build will write, when known in advance.
   */
  onCache?(module: number, items: number, dir: string, total: number | null): void;
}

export interface ResumeOptions {
  /** Append one module on top of the stack (encoder.depth + 1) and train only it. */
  readonly addModule?: boolean;
}

export class Trainer<C extends TrainableConfig, M extends StackModel, S> {
  readonly model: M;
  readonly optimizers: Adam[];
  private stepCount = 0;
  private schedule: ScheduleState = START_OF_SCHEDULE;
  /** With the activation cache: where the module now training reads its input. */
  private cacheSource: CacheSource | null = null;
  private runDir: string | null = null;
  /** Step of the checkpoint on disk that this trainer wrote or resumed from (for error messages). */
  private savedStep: number | null = null;
  /** Watches every module for dead units and chance-level accuracy (not checkpointed: a resumed run watches afresh). */
  private readonly collapse: CollapseMonitor;

  private constructor(
    readonly modality: Modality<C, M, S>,
    readonly config: C,
    readonly source: S,
    readonly rng: Rng,
  ) {
    // Weights come from their own stream (the config's seed) so that the data/negatives stream
    // does not depend on model size.
    this.model = modality.buildModel(config);
    this.collapse = new CollapseMonitor(modality.chance?.(config) ?? null);
    this.optimizers = this.model.modules.map(
      (m) =>
        new Adam(m.namedParameters(), config.train.learningRate, {
          warmupSteps: config.train.warmupSteps,
        }),
    );
  }

  static create<C extends TrainableConfig, M extends StackModel, S>(
    modality: Modality<C, M, S>,
    config: C,
    source: S,
  ): Trainer<C, M, S> {
    return new Trainer(modality, config, source, new Rng(config.train.seed + 1));
  }

  /**
   * Rebuild a trainer from `dir`; `config` must equal the checkpoint's except for the modality's
   * resumable fields. With `addModule`, `config` must build one module more than the checkpoint:
   * earlier modules are loaded and frozen, only the new module trains.
   */
  static async resume<C extends TrainableConfig, M extends StackModel, S>(
    modality: Modality<C, M, S>,
    dir: string,
    config: C,
    source: S,
    options: ResumeOptions = {},
  ): Promise<Trainer<C, M, S>> {
    const ckpt = loadCheckpointOfKind<C>(dir, modality.checkpointKind);
    // Resolving fills in fields added since the checkpoint was written, with their defaults.
    const saved = modality.resolveConfig([
      { source: `checkpoint ${dir}`, values: ckpt.meta.config },
    ]);
    const savedDepth = modality.depth(saved);
    const want = options.addModule ? modality.withDepth(saved, savedDepth + 1) : saved;
    assertSameConfig(dir, want, config, modality.resumableFields);
    const trainer = new Trainer(modality, config, source, new Rng(0));
    trainer.rng.setState(ckpt.meta.rng);
    trainer.stepCount = ckpt.meta.step;
    trainer.savedStep = ckpt.meta.step;
    // After --add-module the stack differs from the one watched; the new module starts afresh.
    if (ckpt.meta.collapse && !options.addModule) trainer.collapse.setState(ckpt.meta.collapse);
    const schedule = ckpt.meta.schedule ?? START_OF_SCHEDULE;
    trainer.schedule = options.addModule
      ? { frozenBelow: savedDepth, stepsInModule: 0, smoothedLoss: Number.NaN }
      : { ...schedule, smoothedLoss: schedule.smoothedLoss ?? Number.NaN };
    unpackModules(dir, ckpt.tensors, trainer.model.modules.slice(0, savedDepth), {
      adams: trainer.optimizers,
      steps: ckpt.meta.optimizerSteps,
    });
    await modality.restoreSource(source, ckpt.meta.data);
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
    const start = performance.now();
    const fromCache = this.cacheSource;
    const batch: InputBatch = fromCache
      ? await this.cacheBatch(fromCache)
      : await this.modality.nextBatch(this.source, this.config);
    if (batch.labels) this.modality.setLabels?.(this.model, batch.labels);
    // With the cache, module m reads module m−1's stored outputs: the modules below are not
    // run at all, so memory is that of module m alone.
    const first = fromCache ? this.schedule.frozenBelow : 0;
    const active = this.activeModules().slice(first);
    const top = first + active.lastIndexOf(true) + 1; // modules above the highest active one are not run
    const x = tf.tensor(batch.values, [...batch.shape]);
    let stats: (ModuleStepStats | null)[] = [];
    try {
      if (top > first)
        stats = trainStackStep(
          this.model.modules.slice(first, top),
          this.optimizers.slice(first, top),
          x,
          this.rng,
          active,
          (m, input) => this.model.modules[first + m]!.encode(input),
        );
    } catch (err) {
      throw this.modality.explainStepError?.(err, this.config) ?? err;
    } finally {
      x.dispose();
    }
    const modules = this.model.modules.map((_, m) =>
      m < first ? null : (stats[m - first] ?? null),
    );
    this.stepCount += 1;
    this.advanceSchedule(modules);
    return {
      step: this.stepCount,
      seconds: (performance.now() - start) / 1000,
      modules,
      memory: stepMemory(),
    };
  }

  private async cacheBatch(cache: CacheSource): Promise<InputBatch> {
    const { values, labels } = await cache.next();
    const shape = this.modality.inputShape(this.config.train.batchSize, cache.itemShape);
    return { values, shape, labels };
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
   * Write the outputs of frozen module `module` (1-based) over the training set, from the
   * modality's finite pass (module 1) or from the previous cache. Returns false if
   * `callbacks.shouldStop` stopped it: the shards written so far are kept and verified when the
   * build is resumed.
   */
  private async buildCache(module: number, callbacks: TrainCallbacks): Promise<boolean> {
    const frozen = this.model.modules[module - 1]!;
    const { modality, config } = this;
    const below = module === 1 ? null : this.openCache(module - 1);
    const inputItemShape = below ? below.itemShape : modality.rawItemShape(config);
    const inputs = below ? below.inOrder() : modality.finitePass(this.source, config);
    async function* lazy(): AsyncGenerator<LazyItemBatch> {
      for await (const batch of inputs) {
        const count = batch.label.length;
        yield {
          count,
          compute: () => {
            const x = tf.tensor(batch.values, modality.inputShape(count, inputItemShape));
            const z = frozen.encode(x);
            x.dispose();
            const out = {
              values: z.dataSync() as Float32Array,
              label: batch.label,
              position: batch.position,
            };
            z.dispose();
            return out;
          },
        };
      }
    }
    const dir = this.cacheDir(module);
    // The item shape is known only after a batch is encoded; probe it with one item of zeros.
    const zeros = tf.zeros(modality.inputShape(1, inputItemShape));
    const probe = frozen.encode(zeros);
    const itemShape = modality.itemShape(probe.shape, 1);
    tf.dispose([zeros, probe]);
    const pass = modality.describePass(config);
    const total = below
      ? below.manifest.items
      : (modality.passItems?.(this.source, config) ?? null);
    if (!readManifest(dir)) callbacks.onCache?.(module, 0, dir, total);
    const manifest = await writeActivationCache(dir, lazy(), {
      module,
      source: below ? this.cacheDir(module - 1) : pass.source,
      itemShape,
      dtype: config.cache.dtype,
      shardItems: config.cache.shardItems,
      sampling: below ? 'as the cache below' : pass.sampling,
      onProgress: (items) => callbacks.onCache?.(module, items, dir, total),
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

  /**
   * Train until `config.train.steps`, saving to `dir` every `checkpointEvery` steps and at the
   * end (also when `callbacks.shouldStop` stops it early). Throws TrainingDivergedError on a
   * non-finite loss or weight, without saving anything from the bad step.
   */
  async run(dir: string | null, callbacks: TrainCallbacks = {}): Promise<StepRecord[]> {
    const records: StepRecord[] = [];
    const { steps, checkpointEvery } = this.config.train;
    this.runDir = dir ?? this.runDir;
    if (dir) removeStaleTemps(dir); // left by a save that was killed (kill -9, power loss)
    while (this.stepCount < steps) {
      // A step never waits on a macrotask, so without this a SIGINT handler would never run.
      await yieldToEventLoop();
      if (callbacks.shouldStop?.()) break;
      if (this.needsCache()) {
        if (!(await this.buildCache(this.schedule.frozenBelow, callbacks))) break;
        this.cacheSource = this.openCache(this.schedule.frozenBelow);
      }
      const stepped = await this.profiledStep();
      // Throws before anything of this step is logged or saved: the checkpoint stays the last good one.
      assertFiniteLosses(stepped, this.lastCheckpoint(dir));
      const warnings = this.collapse.observe(stepped.step, stepped.modules);
      const record = warnings.length > 0 ? { ...stepped, warnings } : stepped;
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

  /**
   * Save the state to `dir` without making it the run's checkpoint (e.g. a learning-curve copy);
   * refuses (TrainingDivergedError) a non-finite weight or moment.
   */
  saveCopy(dir: string): string {
    const tensors = packModules(this.model.modules, this.optimizers);
    assertFiniteTensors(tensors, this.stepCount, this.lastCheckpoint(dir));
    const meta: TrainerCheckpointMeta<C> = {
      kind: this.modality.checkpointKind,
      config: this.config,
      step: this.stepCount,
      rng: this.rng.getState(),
      optimizerSteps: this.optimizers.map((o) => o.step),
      data: this.modality.sourceState(this.source),
      schedule: this.schedule,
      cache: this.cacheSource?.getState() ?? null,
      collapse: this.collapse.getState(),
    };
    return saveCheckpoint(dir, { meta, tensors });
  }

  /** Save the state to `dir` as the run's checkpoint (divergence messages point at it). */
  save(dir: string): string {
    const path = this.saveCopy(dir);
    this.savedStep = this.stepCount;
    return path;
  }

  dispose(): void {
    this.model.dispose();
    for (const o of this.optimizers) o.dispose();
  }
}
