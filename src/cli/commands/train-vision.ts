/** What is vision-specific about `gim train --modality vision` (the run itself: train-run.ts). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTrainConfig, type TrainSpec } from './train-run.js';
import { BACKEND_NAMES } from '../../backend/select.js';
import { DEFAULT_VISION_CONFIG, type VisionGimConfig } from '../../vision/config.js';
import { visionModality } from '../../vision/modality.js';
import type { VisionGimModel } from '../../vision/model.js';
import { VisionBatchSource, openTrainingSource } from '../../vision/data.js';
import { checkStepMemory } from '../../vision/memory.js';
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
  --add-module           with --resume: append one module (stage) on top of the trained stack and
                         train only it (earlier weights stay bit-identical); give a larger --steps
  --schedule simultaneous|sequential   --steps-per-module N   --update-periods 1,2,4
  --cache                with --schedule sequential: store each frozen module's patch-grid maps
                         on disk (cache.dir, default <out>/cache; cache.images limits the images)
                         and train the next module from them
  --steps N  --batch-size N  --lr X  --seed N  --layout gim|cpc  --log-every N  --checkpoint-every N
  --set PATH=VALUE       any config field, e.g. --set encoder.widthMultiplier=0.25 (repeatable)
  --backend NAME         ${BACKEND_NAMES.join(' | ')} (default auto)
  -h, --help

Ctrl-C stops after the current step and saves a checkpoint; a second Ctrl-C exits at once.`;

export const VISION_TRAIN: TrainSpec<VisionGimConfig, VisionGimModel, VisionBatchSource> = {
  help: HELP,
  label: 'gim train (vision)',
  modality: visionModality,
  defaults: DEFAULT_VISION_CONFIG,
  dataFlags(values, flags) {
    if (typeof values.data !== 'string') return;
    const source = existsSync(join(values.data, 'stl10_binary')) ? 'stl10' : 'fashion-mnist';
    flags.data = { ...((flags.data as object) ?? {}), source, dir: values.data };
  },
  rejectFlags(values) {
    // Vision data has no per-item skipping: every image of a data set decodes or the set does not open.
    if (values.strict !== undefined)
      throw new ConfigError(
        '--strict',
        'a flag of audio training (vision data sets have no per-item skipping)',
        '--strict with --modality vision',
        'command line',
      );
  },
  runName: (config) => `vision-${config.encoder.layout}`,
  describeModel: (config) => `${config.encoder.layout} ${config.loss.objective}`,
  preflight(config, backend) {
    const memory = checkStepMemory(config, backend.name);
    return `estimated step memory ${(memory.bytes / 2 ** 30).toFixed(2)} GiB, `;
  },
  async openSource(config) {
    // A user's own supervised run may use every label; the experiment limits it to the probe's.
    const { set, source } = openTrainingSource(config);
    return {
      source,
      description: `${set.name} (${set.count} images)`,
      finish: () => set.close(),
    };
  },
};

/** Checkpoint config (when resuming), then preset, then flags. */
export function resolveVisionRunConfig(
  values: Record<string, unknown>,
  resumeDir?: string,
  addModule = false,
): VisionGimConfig {
  return resolveTrainConfig(VISION_TRAIN, values, resumeDir, addModule);
}
