/**
 * `gim eval` on a vision checkpoint: linear probes (frozen encoder) after every encoder module.
 * eval.ts routes here when the checkpoint's kind is vision.
 */
import { writeFileSync } from 'node:fs';
import { parseFlags, type Options } from '../args.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { loadVisionModel } from '../../vision/trainer.js';
import { ConfigError } from '../../errors.js';
import { probeFirstImages } from '../../vision/experiment.js';

const EVAL_HELP = `usage: gim eval --checkpoint DIR [options]   (vision checkpoint)

Linear probes (Adam, cross-entropy, frozen encoder) after every encoder module of a vision model;
each top-1 accuracy with its binomial standard error over the test images.
  --epochs N  --train-images N  --test-images N  --lr X  --batch-size N  --seed N
  --backend NAME   ${BACKEND_NAMES.join(' | ')}
  --out FILE       also write the results as JSON`;

/** Every flag of `gim eval` on a vision checkpoint. */
export const VISION_EVAL_OPTIONS = {
  checkpoint: { type: 'string' },
  epochs: { type: 'string' },
  'train-images': { type: 'string' },
  'test-images': { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  modality: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export async function runVisionEvalCli(argv: string[]): Promise<number> {
  const { values } = parseFlags('eval (vision checkpoint)', argv, VISION_EVAL_OPTIONS);
  if (values.help) {
    process.stdout.write(`${EVAL_HELP}\n`);
    return 0;
  }
  if (typeof values.checkpoint !== 'string')
    throw new ConfigError('--checkpoint', 'a checkpoint directory', undefined, 'command line');
  const backend = await initBackend(
    ((values.backend as string | undefined) ?? 'auto') as BackendName,
  );
  const { config, model, step } = loadVisionModel(values.checkpoint);
  const num = (flag: string, fallback: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0)
      throw new ConfigError(`--${flag}`, 'a number >= 0', raw, 'command line');
    return n;
  };
  const probe = {
    epochs: num('epochs', config.probe.epochs),
    learningRate: num('lr', config.probe.learningRate),
    batchSize: num('batch-size', config.probe.batchSize),
    encodeBatch: 32,
    seed: num('seed', config.train.seed + 200),
    standardize: config.probe.standardize,
    flip: config.probe.flip,
  };
  process.stderr.write(
    `gim eval (vision): ${values.checkpoint} (step ${step}, ${config.encoder.layout} ${config.loss.objective}), backend ${backend.name}, ` +
      `probe ${probe.epochs} epochs\n`,
  );
  const { modules, trainImages, testImages } = probeFirstImages(model, config, probe, {
    trainImages: num('train-images', config.probe.trainImages),
    testImages: num('test-images', config.probe.testImages),
  });
  process.stderr.write(`trained on ${trainImages} images, tested on ${testImages}\n`);
  model.dispose();
  for (const m of modules) {
    process.stdout.write(
      `module ${m.module} (${m.channels} ch): top-1 ${(100 * m.accuracy).toFixed(2)}% ± ${(100 * m.standardError).toFixed(2)} (binomial SE, ${m.testImages} images)  per class ${m.perClass.map((a) => (100 * a).toFixed(0)).join(' ')}\n`,
    );
  }
  if (typeof values.out === 'string')
    writeFileSync(
      values.out,
      `${JSON.stringify({ checkpoint: values.checkpoint, step, config, probe, modules }, null, 2)}\n`,
    );
  return 0;
}
