/** `gim train`: the command, and what is audio-specific about it (vision: train-vision.ts). */
import type { CommandModule } from '../main.js';
import { CONFIG_FLAGS, STRICT_FLAG, parseFlags, type Options } from '../args.js';
import { resolveModality } from './modality.js';
import { resolveTrainConfig, runTraining, type TrainSpec } from './train-run.js';
import { BACKEND_NAMES } from '../../backend/select.js';
import { DEFAULT_AUDIO_CONFIG, type AudioGimConfig } from '../../audio/config.js';
import { audioModality } from '../../audio/modality.js';
import type { AudioGimModel } from '../../audio/model.js';
import { CorpusSource, ToneSource, type AudioBatchSource } from '../../audio/batches.js';
import { describeSkipped } from '../../audio/data/skipped.js';

const HELP = `usage: gim train [options]

Train Greedy InfoMax (or end-to-end CPC with --layout cpc) on raw audio. For images use
--modality vision or a vision preset (see gim train --modality vision --help).

options:
  --preset NAME|FILE     start from a preset (configs/: tiny, demo, demo-tiny, audio-paper;
                         vision-tiny, vision-paper) or a JSON file
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

/** Every flag of `gim train`, both modalities (train-vision.ts rejects --strict, which is audio-only). */
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
    // The modality is resolved once: from --modality, the preset, or the --resume checkpoint.
    const modality = resolveModality({
      flag: values.modality,
      preset: values.preset,
      checkpoint: { dir: values.resume, flag: '--resume' },
    });
    if (modality === 'vision')
      return runTraining((await import('./train-vision.js')).VISION_TRAIN, values);
    return runTraining(AUDIO_TRAIN, values);
  },
};

const AUDIO_TRAIN: TrainSpec<AudioGimConfig, AudioGimModel, AudioBatchSource> = {
  help: HELP,
  label: 'gim train',
  modality: () => audioModality,
  defaults: DEFAULT_AUDIO_CONFIG,
  dataFlags(values, flags) {
    if (typeof values.data === 'string')
      flags.data = { ...((flags.data as object) ?? {}), source: 'librispeech', dir: values.data };
  },
  runName: (config) => config.encoder.layout,
  describeModel: (config) => config.encoder.layout,
  async openSource(config) {
    const source = await makeSource(config);
    const skippedAtOpen = source.skipped?.length ?? 0;
    return {
      source,
      description: config.data.source === 'tones' ? 'generated tones' : config.data.dir,
      finish() {
        // Files that only failed when first read during training (large, uncached corpora).
        if ((source.skipped?.length ?? 0) > skippedAtOpen)
          for (const line of describeSkipped(source.skipped!))
            process.stderr.write(`gim train: ${line}\n`);
      },
    };
  },
};

/** Checkpoint config (when resuming; one module deeper with --add-module), then preset, then flags. */
export function resolveRunConfig(
  values: Record<string, unknown>,
  resumeDir: string | undefined,
  addModule: boolean,
): AudioGimConfig {
  return resolveTrainConfig(AUDIO_TRAIN, values, resumeDir, addModule);
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
