import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from '../main.js';
import { CONFIG_FLAGS, STRICT_FLAG, flagOverrides, parseFlags, type Options } from '../args.js';
import { resolveModality } from './modality.js';
import { startTrainingSession } from '../training-session.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { loadPreset } from '../../core/config/presets.js';
import {
  DEFAULT_AUDIO_CONFIG,
  layoutModuleCount,
  moduleCount,
  resolveAudioConfig,
  type AudioGimConfig,
} from '../../audio/config.js';
import { AudioTrainer, readCheckpointConfig } from '../../audio/trainer.js';
import { CorpusSource, ToneSource, type AudioBatchSource } from '../../audio/batches.js';
import { checkpointPath } from '../../core/checkpoint.js';
import { ConfigError } from '../../errors.js';
import { describeSkipped } from '../../audio/data/skipped.js';

const HELP = `usage: gim train [options]

Train Greedy InfoMax (or end-to-end CPC with --layout cpc) on raw audio.

options:
  --preset NAME|FILE     start from a preset (configs/: audio-paper, tiny, demo) or a JSON file
  --data DIR             corpus in LibriSpeech layout (real, or made by \`gim data synth-speech\`);
                         without it, generated harmonic tones are used
  --out DIR              where the checkpoint and train-log.jsonl go (default runs/<layout>-<time>)
  --resume DIR           continue the run saved in DIR exactly (--steps may extend it)
  --add-module           with --resume: append one module on top of the trained stack and train
                         only it (earlier weights stay bit-identical); give a larger --steps
  --schedule simultaneous|sequential   --steps-per-module N   --update-periods 1,2,4,...
  --cache                with --schedule sequential: store each frozen module's outputs on disk
                         (cache.dir, default <out>/cache) and train the next module from them
  --steps N  --batch-size N  --lr X  --seed N  --layout gim-6|gim-5|cpc  --channels N
  --window SAMPLES  --log-every N  --checkpoint-every N
  --set PATH=VALUE       any config field, e.g. --set loss.negativeSamples=16 (repeatable)
  --backend NAME         ${BACKEND_NAMES.join(' | ')} (default auto)
  --strict               stop at a corpus problem instead of skipping the utterance (data.strict)
  --modality audio|vision   (default: from --preset or the --resume checkpoint, else audio)
  -h, --help

Ctrl-C stops after the current step and saves a checkpoint; a second Ctrl-C exits at once.`;

/** Every flag of `gim train`, both modalities (train-vision.ts rejects the audio-only ones). */
export const TRAIN_OPTIONS = {
  ...CONFIG_FLAGS,
  ...STRICT_FLAG,
  data: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  'add-module': { type: 'boolean' },
  cache: { type: 'boolean' },
  backend: { type: 'string' },
  modality: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const command: CommandModule = {
  summary: 'train GIM / CPC (audio; vision with --modality vision)',
  async run(argv) {
    const { values } = parseFlags('train', argv, TRAIN_OPTIONS);
    const modality = resolveModality({
      flag: values.modality,
      preset: values.preset,
      checkpoint: { dir: values.resume, flag: '--resume' },
    });
    if (modality === 'vision') return (await import('./train-vision.js')).runVisionTraining(argv);
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const resumeDir = values.resume as string | undefined;
    const addModule = Boolean(values['add-module']);
    if (addModule && !resumeDir)
      throw new ConfigError(
        '--add-module',
        'to be used with --resume DIR',
        'no --resume',
        'command line',
      );
    const config = resolveRunConfig(values, resumeDir, addModule);
    const outDir =
      resumeDir ??
      (values.out as string | undefined) ??
      join('runs', `${config.encoder.layout}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
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
    const source = await makeSource(config);
    const trainer = resumeDir
      ? await AudioTrainer.resume(resumeDir, config, source, { addModule })
      : AudioTrainer.create(config, source);
    mkdirSync(outDir, { recursive: true });
    const logFile = join(outDir, 'train-log.jsonl');
    const quiet = Boolean(values.quiet);
    process.stderr.write(
      `gim train: ${config.encoder.layout} (${trainer.model.modules.length} module${trainer.model.modules.length > 1 ? 's' : ''}), ` +
        `${config.data.source === 'tones' ? 'generated tones' : config.data.dir}, backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}), ` +
        `steps ${trainer.step}→${config.train.steps}, out ${outDir}\n`,
    );

    const session = startTrainingSession({
      logFile,
      startStep: trainer.step,
      totalSteps: config.train.steps,
      logEvery: config.train.logEvery,
      quiet,
    });
    const skippedAtOpen = source.skipped?.length ?? 0;
    try {
      await trainer.run(outDir, session.callbacks);
    } finally {
      session.finish();
    }
    // Files that only failed when first read during training (large, uncached corpora).
    if ((source.skipped?.length ?? 0) > skippedAtOpen)
      for (const line of describeSkipped(source.skipped!))
        process.stderr.write(`gim train: ${line}\n`);
    process.stderr.write(
      `gim train: saved ${checkpointPath(outDir)} at step ${trainer.step}; log ${logFile}\n`,
    );
    trainer.dispose();
    return session.stopRequested() ? 130 : 0;
  },
};

export function resolveRunConfig(
  values: Record<string, unknown>,
  resumeDir: string | undefined,
  addModule: boolean,
): AudioGimConfig {
  const layers: { source: string; values: unknown }[] = [];
  if (resumeDir) {
    const saved = readCheckpointConfig(resumeDir);
    layers.push({ source: `checkpoint ${resumeDir}`, values: saved });
    if (addModule) {
      const depth = moduleCount(saved.encoder);
      if (depth >= layoutModuleCount(saved.encoder.layout, saved.encoder.kernels.length)) {
        throw new ConfigError(
          '--add-module',
          `a stack with fewer than all modules of layout ${saved.encoder.layout} (train with --set encoder.depth=N first)`,
          `${depth} modules`,
          'command line',
        );
      }
      layers.push({ source: '--add-module', values: { encoder: { depth: depth + 1 } } });
    }
  }
  if (typeof values.preset === 'string') layers.push(loadPreset(values.preset));
  const flags = flagOverrides(values, DEFAULT_AUDIO_CONFIG);
  if (values.cache === true) flags.cache = { ...((flags.cache as object) ?? {}), enabled: true };
  if (typeof values.data === 'string')
    flags.data = { ...((flags.data as object) ?? {}), source: 'librispeech', dir: values.data };
  layers.push({ source: 'flags', values: flags });
  return resolveAudioConfig(layers);
}

async function makeSource(config: AudioGimConfig): Promise<AudioBatchSource> {
  if (config.data.source === 'tones')
    return new ToneSource(config.train.seed, config.train.batchSize, config.data.windowSamples);
  const { openLibriSpeech } = await import('../../audio/data/index.js');
  const corpus = await openLibriSpeech(config.data.dir, {
    windowSamples: config.data.windowSamples,
    onProblem: config.data.strict ? 'error' : 'skip',
  });
  for (const line of describeSkipped(corpus.skipped)) process.stderr.write(`gim train: ${line}\n`);
  return new CorpusSource(corpus, config.train.batchSize, config.train.seed + 2);
}
