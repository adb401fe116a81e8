/**
 * Vision entry points of the CLI: `gim eval` on a vision checkpoint (linear probes per stage) and
 * `gim experiment vision` (GIM, CPC, supervised, greedy supervised and random rows, probed, with a
 * Markdown/JSON table and an SVG plot). These functions print; the library code they call does not.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags } from '../cli/args.js';
import { progressLine } from '../cli/progress.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../backend/select.js';
import { resolveVisionConfig, visionPipeline } from '../gim/vision-config.js';
import { loadVisionModel } from '../gim/vision-trainer.js';
import { openVisionSet } from '../gim/vision-data.js';
import { checkStepMemory } from '../gim/vision-memory.js';
import { checkpointPath } from '../gim/checkpoint.js';
import { resolveVisionRunConfig } from '../cli/commands/train-vision.js';
import { CONFIG_FLAGS } from '../cli/args.js';
import { ConfigError } from '../errors.js';
import { probeStages } from './vision-probe.js';
import {
  EXPERIMENT_ROWS,
  resultsMarkdown,
  runExperimentRow,
  type ExperimentRow,
  type RowResult,
} from './vision-experiment.js';
import { perStageAccuracySvg } from './vision-plot.js';

/**
 * True when `gim eval` argv names a checkpoint written by vision training (looks at the kind in
 * the checkpoint header only), so `gim eval` can hand it to runVisionEvalCli.
 */
export function isVisionEvalArgv(argv: readonly string[]): boolean {
  const i = argv.findIndex((a) => a === '--checkpoint' || a.startsWith('--checkpoint='));
  if (i < 0) return false;
  const dir = argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
  if (!dir || !existsSync(checkpointPath(dir))) return false;
  const fd = openSync(checkpointPath(dir), 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8', 12, n).includes('"kind":"vision-gim"');
  } finally {
    closeSync(fd);
  }
}

const EVAL_HELP = `usage: gim eval --checkpoint DIR [options]   (vision checkpoint)

Linear probes (Adam, cross-entropy, frozen encoder) after every encoder stage of a vision model.
  --epochs N  --train-images N  --test-images N  --lr X  --batch-size N  --seed N
  --backend NAME   ${BACKEND_NAMES.join(' | ')}
  --out FILE       also write the results as JSON`;

export async function runVisionEvalCli(argv: string[]): Promise<number> {
  const { values } = parseFlags('eval', argv, {
    checkpoint: { type: 'string' },
    epochs: { type: 'string' },
    'train-images': { type: 'string' },
    'test-images': { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
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
  };
  const trainSet = openVisionSet(config.data, 'labelled-train');
  const testSet = openVisionSet(config.data, 'test');
  const first = (count: number, limit: number): Int32Array =>
    Int32Array.from({ length: limit === 0 ? count : Math.min(limit, count) }, (_, i) => i);
  const trainIdx = first(trainSet.count, num('train-images', config.probe.trainImages));
  const testIdx = first(testSet.count, num('test-images', config.probe.testImages));
  process.stderr.write(
    `gim eval (vision): ${values.checkpoint} (step ${step}, ${config.encoder.layout} ${config.loss.objective}), backend ${backend.name}, ` +
      `probe ${probe.epochs} epochs on ${trainIdx.length} ${trainSet.name} images, test on ${testIdx.length} ${testSet.name} images\n`,
  );
  const stages = probeStages(
    model,
    visionPipeline(config.data),
    trainSet,
    trainIdx,
    testSet,
    testIdx,
    10,
    probe,
  );
  model.dispose();
  for (const s of stages) {
    process.stdout.write(
      `stage ${s.stage} (${s.channels} ch): top-1 ${(100 * s.accuracy).toFixed(2)}%  per class ${s.perClass.map((a) => (100 * a).toFixed(0)).join(' ')}\n`,
    );
  }
  if (typeof values.out === 'string')
    writeFileSync(
      values.out,
      `${JSON.stringify({ checkpoint: values.checkpoint, step, config, probe, stages }, null, 2)}\n`,
    );
  return 0;
}

const EXPERIMENT_HELP = `usage: gim experiment vision [options]

Trains GIM (one module per stage), end-to-end CPC (+PixelCNN), end-to-end supervised, greedy
supervised and a random encoder at one size, probes every stage linearly, and writes
results.md, results.json and per-module-accuracy.svg into --out.
  --preset NAME|FILE   (default vision-tiny)   --data DIR   --steps N   --batch-size N   --lr X
  --seed N   --set PATH=VALUE   --rows gim,cpc,supervised,greedy-supervised,random
  --backend NAME   ${BACKEND_NAMES.join(' | ')}   --out DIR (default runs/vision-experiment-<time>)`;

export async function runVisionExperimentCli(argv: string[]): Promise<number> {
  const { values } = parseFlags('experiment vision', argv, {
    ...CONFIG_FLAGS,
    data: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
    rows: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${EXPERIMENT_HELP}\n`);
    return 0;
  }
  const config = resolveVisionRunConfig({ ...values, preset: values.preset ?? 'vision-tiny' });
  const rows = ((values.rows as string | undefined)?.split(',') ?? [
    ...EXPERIMENT_ROWS,
  ]) as ExperimentRow[];
  for (const r of rows)
    if (!EXPERIMENT_ROWS.includes(r))
      throw new ConfigError(
        '--rows',
        `a comma list of ${EXPERIMENT_ROWS.join(', ')}`,
        r,
        'command line',
      );
  const outDir =
    (values.out as string | undefined) ??
    join('runs', `vision-experiment-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const backend = await initBackend(
    ((values.backend as string | undefined) ?? 'auto') as BackendName,
  );
  checkStepMemory(
    resolveVisionConfig([
      {
        source: 'experiment',
        values: { ...structuredClone(config), encoder: { ...config.encoder, layout: 'cpc' } },
      },
    ]),
    backend.name,
  );
  mkdirSync(outDir, { recursive: true });
  process.stderr.write(
    `gim experiment vision: rows ${rows.join(', ')}; ${config.train.steps} steps of batch ${config.train.batchSize}; backend ${backend.name}; out ${outDir}\n`,
  );
  const progress = progressLine();
  const results: RowResult[] = [];
  const started = new Date().toISOString();
  for (const row of rows) {
    const result = runExperimentRow(config, row, backend.name, (e) => {
      if (e.phase === 'train')
        progress.update(
          `${row}: step ${e.step}/${e.steps} loss ${e.text}`,
          e.step === e.steps || e.step! % 25 === 0,
        );
      else progress.update(`${row}: linear probes`, true);
    });
    results.push(result);
    progress.done();
    process.stderr.write(
      `${row}: ${result.stages.map((s) => `stage ${s.stage} ${(100 * s.accuracy).toFixed(1)}%`).join(', ')} (train ${result.trainSeconds.toFixed(0)} s, probe ${result.probeSeconds.toFixed(0)} s)\n`,
    );
    writeOutputs(outDir, results, { started, backend: backend.name, argv });
  }
  process.stdout.write(resultsMarkdown(results));
  return 0;
}

function writeOutputs(
  outDir: string,
  results: RowResult[],
  meta: { started: string; backend: string; argv: string[] },
): void {
  const table = resultsMarkdown(results);
  writeFileSync(
    join(outDir, 'results.md'),
    `# gim experiment vision\n\nCommand: \`gim experiment vision ${meta.argv.join(' ')}\`\nStarted ${meta.started}, backend ${meta.backend}.\n\n${table}`,
  );
  writeFileSync(
    join(outDir, 'results.json'),
    `${JSON.stringify({ ...meta, finished: new Date().toISOString(), results }, null, 2)}\n`,
  );
  const svg = perStageAccuracySvg(
    results.map((r) => ({ label: r.label, values: r.stages.map((s) => s.accuracy) })),
    'Linear probe accuracy per encoder stage',
  );
  writeFileSync(join(outDir, 'per-module-accuracy.svg'), svg);
}
