/** `gim train --modality vision`: train vision GIM (or a CPC / supervised baseline) on images. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { flagOverrides, parseFlags } from '../args.js';
import { TRAIN_OPTIONS } from './train.js';
import { startTrainingSession } from '../training-session.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { loadPreset } from '../../core/config/presets.js';
import {
  DEFAULT_VISION_CONFIG,
  resolveVisionConfig,
  type VisionGimConfig,
} from '../../vision/config.js';
import { VisionTrainer, readVisionCheckpointConfig } from '../../vision/trainer.js';
import { VisionBatchSource, openVisionSet } from '../../vision/data.js';
import { checkStepMemory } from '../../vision/memory.js';
import { checkpointPath } from '../../core/checkpoint.js';
import { ConfigError } from '../../errors.js';

const HELP = `usage: gim train --modality vision [options]

Train vision Greedy InfoMax on image patches (a pre-activation ResNet without batch-norm, one
gradient-isolated module per stage), or a baseline: --layout cpc (end to end, PixelCNN context),
--set loss.objective=supervised (supervised heads; with --layout cpc: end-to-end supervised).

options:
  --preset NAME|FILE     vision-tiny, vision-paper (configs/), or a JSON file
  --data DIR             Fashion-MNIST IDX files (default ${'/usr/share/datasets/fashion-mnist'}), or an
                         STL-10 root holding stl10_binary/ (then data.source is stl10)
  --out DIR              checkpoint and train-log.jsonl (default runs/vision-<layout>-<time>)
  --resume DIR           continue the run saved in DIR exactly (--steps may extend it)
  --steps N  --batch-size N  --lr X  --seed N  --layout gim|cpc  --log-every N  --checkpoint-every N
  --set PATH=VALUE       any config field, e.g. --set encoder.widthMultiplier=0.25 (repeatable)
  --backend NAME         ${BACKEND_NAMES.join(' | ')} (default auto)
  -h, --help

Ctrl-C stops after the current step and saves a checkpoint; a second Ctrl-C exits at once.`;

export async function runVisionTraining(argv: string[]): Promise<number> {
  const { values } = parseFlags('train --modality vision', argv, TRAIN_OPTIONS);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  rejectAudioOnlyFlags(values);
  const resumeDir = values.resume as string | undefined;
  const config = resolveVisionRunConfig(values, resumeDir);
  const outDir =
    resumeDir ??
    (values.out as string | undefined) ??
    join(
      'runs',
      `vision-${config.encoder.layout}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    );
  if (!resumeDir && existsSync(checkpointPath(outDir))) {
    throw new ConfigError(
      '--out',
      'a directory without a checkpoint (use --resume to continue it)',
      outDir,
      'command line',
    );
  }
  const backend = await initBackend(
    ((values.backend as string | undefined) ?? 'auto') as BackendName,
  );
  const memory = checkStepMemory(config, backend.name);
  const split = config.loss.objective === 'supervised' ? 'labelled-train' : 'self-supervised';
  const set = openVisionSet(config.data, split);
  const source = new VisionBatchSource(
    set,
    config.data,
    config.train.batchSize,
    config.train.seed + 2,
  );
  const trainer = resumeDir
    ? VisionTrainer.resume(resumeDir, config, source, backend.name)
    : VisionTrainer.create(config, source, backend.name);
  mkdirSync(outDir, { recursive: true });
  const logFile = join(outDir, 'train-log.jsonl');
  process.stderr.write(
    `gim train (vision): ${config.encoder.layout} ${config.loss.objective} (${trainer.model.modules.length} module${trainer.model.modules.length > 1 ? 's' : ''}), ` +
      `${set.name} (${set.count} images), backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), ` +
      `estimated step memory ${(memory.bytes / 2 ** 30).toFixed(2)} GiB, steps ${trainer.step}→${config.train.steps}, out ${outDir}\n`,
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
    set.close();
  }
  process.stderr.write(
    `gim train: saved ${checkpointPath(outDir)} at step ${trainer.step}; log ${logFile}\n`,
  );
  trainer.dispose();
  return session.stopRequested() ? 130 : 0;
}

/** Flags of `gim train` that only the audio trainer implements so far. */
const AUDIO_ONLY_FLAGS = [
  'schedule',
  'steps-per-module',
  'update-periods',
  'cache',
  'add-module',
  'strict',
] as const;

function rejectAudioOnlyFlags(values: Record<string, unknown>): void {
  const given = AUDIO_ONLY_FLAGS.find((flag) => values[flag] !== undefined);
  if (given)
    throw new ConfigError(
      `--${given}`,
      'a flag the vision trainer implements (schedules, the activation cache, --add-module and --strict are audio-only for now)',
      `--${given} with --modality vision`,
      'command line',
    );
}

/** Checkpoint config (when resuming), then preset, then flags. */
export function resolveVisionRunConfig(
  values: Record<string, unknown>,
  resumeDir?: string,
): VisionGimConfig {
  const layers: { source: string; values: unknown }[] = [];
  if (resumeDir)
    layers.push({
      source: `checkpoint ${resumeDir}`,
      values: readVisionCheckpointConfig(resumeDir),
    });
  if (typeof values.preset === 'string') layers.push(loadPreset(values.preset));
  const flags = flagOverrides(values, DEFAULT_VISION_CONFIG);
  if (typeof values.data === 'string') {
    const source = existsSync(join(values.data, 'stl10_binary')) ? 'stl10' : 'fashion-mnist';
    flags.data = { ...((flags.data as object) ?? {}), source, dir: values.data };
  }
  layers.push({ source: 'flags', values: flags });
  return resolveVisionConfig(layers);
}
