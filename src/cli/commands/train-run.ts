/**
 * What `gim train` does for every modality: resolve the config (checkpoint, --add-module,
 * preset, flags), build the shared Trainer, run it with the training session (log, progress,
 * Ctrl-C) and report. The modality-specific parts (help, data flag, source) come in a TrainSpec.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { flagOverrides } from '../args.js';
import { startTrainingSession } from '../training-session.js';
import { initBackend, type ActiveBackend, type BackendName } from '../../backend/select.js';
import { loadPreset } from '../../core/config/presets.js';
import { checkpointPath } from '../../core/checkpoint.js';
import { Trainer } from '../../core/trainer.js';
import { readTrainedConfig } from '../../core/trainer-checkpoint.js';
import type { Modality, StackModel, TrainableConfig } from '../../core/modality.js';
import { ConfigError } from '../../errors.js';
import { sequentialShortfall } from '../../core/schedule-config.js';

/** The training data of a run, opened for the CLI. */
export interface OpenedSource<S> {
  readonly source: S;
  /** Data as named in the start line (e.g. "generated tones", "fashion-mnist (60000 images)"). */
  readonly description: string;
  /** Called after the run (stderr notes, closing files). */
  finish?(): void;
}

export interface TrainSpec<C extends TrainableConfig, M extends StackModel, S> {
  readonly help: string;
  /** `backend` names the backend in the modality's error messages. */
  modality(backend: string): Modality<C, M, S>;
  readonly defaults: C;
  /** Config overrides of modality-specific flags (e.g. --data) added to `flags`. */
  dataFlags(values: Record<string, unknown>, flags: Record<string, unknown>): void;
  /** Throws ConfigError for a flag this modality does not take. */
  rejectFlags?(values: Record<string, unknown>): void;
  /** Default run folder name, without the time stamp. */
  runName(config: C): string;
  /** The start line's model part, e.g. "gim-6 (6 modules)". */
  describeModel(config: C, modules: number): string;
  /** Extra start-line text (e.g. the memory estimate), checked before anything is built. */
  preflight?(config: C, backend: ActiveBackend): string;
  openSource(config: C): Promise<OpenedSource<S>>;
  /** Prefix of the start line ("gim train" or "gim train (vision)"). */
  readonly label: string;
}

/** Checkpoint config (when resuming; one module deeper with --add-module), then preset, then flags. */
export function resolveTrainConfig<C extends TrainableConfig, M extends StackModel, S>(
  spec: TrainSpec<C, M, S>,
  values: Record<string, unknown>,
  resumeDir: string | undefined,
  addModule: boolean,
): C {
  const modality = spec.modality('unknown');
  const layers: { source: string; values: unknown }[] = [];
  if (resumeDir) {
    const saved = readTrainedConfig(modality, resumeDir);
    layers.push({ source: `checkpoint ${resumeDir}`, values: saved });
    if (addModule) {
      const depth = modality.depth(saved);
      if (depth >= modality.layoutDepth(saved)) {
        throw new ConfigError(
          '--add-module',
          `a stack with fewer than all modules of its layout (train with --set encoder.depth=N first)`,
          `${depth} modules`,
          'command line',
        );
      }
      layers.push({ source: '--add-module', values: { encoder: { depth: depth + 1 } } });
    }
  }
  if (typeof values.preset === 'string') layers.push(loadPreset(values.preset));
  const flags = flagOverrides(values, spec.defaults);
  if (values.cache === true) flags.cache = { ...((flags.cache as object) ?? {}), enabled: true };
  spec.dataFlags(values, flags);
  layers.push({ source: 'flags', values: flags });
  return modality.resolveConfig(layers);
}

/** Runs `gim train` after the flags were parsed; returns the exit code. */
export async function runTraining<C extends TrainableConfig, M extends StackModel, S>(
  spec: TrainSpec<C, M, S>,
  values: Record<string, unknown>,
): Promise<number> {
  if (values.help) {
    process.stdout.write(`${spec.help}\n`);
    return 0;
  }
  spec.rejectFlags?.(values);
  const resumeDir = values.resume as string | undefined;
  const addModule = Boolean(values['add-module']);
  const out = values.out as string | undefined;
  checkResumeFlags(resumeDir, addModule, out);
  const config = resolveTrainConfig(spec, values, resumeDir, addModule);
  const outDir = runFolder(spec, config, resumeDir, out);
  const backend = await initBackend(
    ((values.backend as string | undefined) ?? 'auto') as BackendName,
  );
  const extra = spec.preflight?.(config, backend) ?? '';
  const opened = await spec.openSource(config);
  const trainer = await openTrainer(
    spec.modality(backend.name),
    config,
    opened,
    resumeDir,
    addModule,
  );
  mkdirSync(outDir, { recursive: true });
  const logFile = join(outDir, 'train-log.jsonl');
  const modules = trainer.model.modules.length;
  process.stderr.write(
    `${spec.label}: ${spec.describeModel(config, modules)} (${modules} module${modules > 1 ? 's' : ''}), ` +
      `${opened.description}, backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), ` +
      `${extra}steps ${trainer.step}→${config.train.steps}, out ${outDir}\n`,
  );
  const short = trainer.step === 0 ? sequentialShortfall(config.train, modules) : null;
  if (short)
    process.stderr.write(
      `gim train: note: --steps ${config.train.steps} trains ${short.trainedModules} of ${modules} modules at ` +
        `--steps-per-module ${config.train.stepsPerModule}; the others do not train in this run ` +
        `(give --steps ${short.stepsNeeded} for all, or --resume later with it)\n`,
    );
  const session = startTrainingSession({
    logFile,
    startStep: trainer.step,
    totalSteps: config.train.steps,
    logEvery: config.train.logEvery,
    quiet: Boolean(values.quiet),
  });
  try {
    await trainer.run(outDir, session.callbacks);
  } finally {
    session.finish();
    opened.finish?.();
  }
  process.stderr.write(
    `gim train: saved ${checkpointPath(outDir)} at step ${trainer.step}; log ${logFile}\n`,
  );
  trainer.dispose();
  return session.stopRequested() ? 130 : 0;
}

/** --add-module needs --resume; a resumed run saves into its own folder. */
function checkResumeFlags(
  resumeDir: string | undefined,
  addModule: boolean,
  out: string | undefined,
): void {
  if (addModule && !resumeDir)
    throw new ConfigError(
      '--add-module',
      'to be used with --resume DIR',
      'no --resume',
      'command line',
    );
  // A resumed run's checkpoint, log and cache live in its folder: saving elsewhere would split it.
  if (resumeDir && out !== undefined && resolve(out) !== resolve(resumeDir))
    throw new ConfigError(
      '--out',
      'no --out with --resume (a resumed run saves into its own folder)',
      out,
      'command line',
    );
}

/** The run's folder: the resumed one, --out, or runs/<name>-<time>; never over a checkpoint. */
function runFolder<C extends TrainableConfig, M extends StackModel, S>(
  spec: TrainSpec<C, M, S>,
  config: C,
  resumeDir: string | undefined,
  out: string | undefined,
): string {
  const outDir =
    resumeDir ??
    out ??
    join('runs', `${spec.runName(config)}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (!resumeDir && existsSync(checkpointPath(outDir))) {
    throw new ConfigError(
      '--out',
      'a directory without a checkpoint (use --resume to continue it)',
      outDir,
      'command line',
    );
  }
  return outDir;
}

/** A new trainer, or the resumed one; refuses a resume that would train nothing. */
async function openTrainer<C extends TrainableConfig, M extends StackModel, S>(
  modality: Parameters<typeof Trainer.create<C, M, S>>[0],
  config: C,
  opened: { source: S; finish?: () => void },
  resumeDir: string | undefined,
  addModule: boolean,
): Promise<Trainer<C, M, S>> {
  const trainer = resumeDir
    ? await Trainer.resume(modality, resumeDir, config, opened.source, { addModule })
    : Trainer.create(modality, config, opened.source);
  if (resumeDir && config.train.steps <= trainer.step) {
    // Nothing would train, yet the checkpoint would be rewritten and the run reported as done.
    trainer.dispose();
    opened.finish?.();
    throw new ConfigError(
      '--steps',
      `more than the checkpoint's ${trainer.step} steps to continue`,
      config.train.steps,
      'command line',
    );
  }
  return trainer;
}
