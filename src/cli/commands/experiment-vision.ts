/**
 * `gim experiment vision`: the methods GIM, CPC, supervised, greedy supervised and random, probed
 * per module, with a Markdown/JSON table and an SVG plot. experiment.ts routes here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FLAGS, parseFlags, type Options } from '../args.js';
import { progressLine } from '../progress.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { resolveVisionConfig } from '../../vision/config.js';
import { checkStepMemory } from '../../vision/memory.js';
import { resolveVisionRunConfig } from './train-vision.js';
import { ConfigError } from '../../errors.js';
import {
  VISION_METHODS,
  perModuleAccuracySvg,
  resultsMarkdown,
  runVisionMethod,
  type VisionMethod,
  type MethodResult,
} from '../../vision/experiment.js';

const EXPERIMENT_HELP = `usage: gim experiment vision [options]

Trains the methods GIM (one module per ResNet stage), end-to-end CPC (+PixelCNN), end-to-end
supervised, greedy supervised and a random encoder at one size, probes every module linearly,
and writes results.md, results.json and per-module-accuracy.svg into --out.
  --preset NAME|FILE   (default vision-tiny)   --data DIR   --steps N   --batch-size N   --lr X
  --seed N   --set PATH=VALUE   --methods gim,cpc,supervised,greedy-supervised,random
  --backend NAME   ${BACKEND_NAMES.join(' | ')}   --out DIR (default runs/vision-experiment-<time>)`;

/** Every flag of `gim experiment vision`. */
export const VISION_EXPERIMENT_OPTIONS = {
  ...CONFIG_FLAGS,
  data: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  methods: { type: 'string' },
  modality: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export async function runVisionExperimentCli(argv: string[]): Promise<number> {
  const { values } = parseFlags('experiment vision', argv, VISION_EXPERIMENT_OPTIONS);
  if (values.help) {
    process.stdout.write(`${EXPERIMENT_HELP}\n`);
    return 0;
  }
  const config = resolveVisionRunConfig({ ...values, preset: values.preset ?? 'vision-tiny' });
  const methods = ((values.methods as string | undefined)?.split(',') ?? [
    ...VISION_METHODS,
  ]) as VisionMethod[];
  for (const m of methods)
    if (!VISION_METHODS.includes(m))
      throw new ConfigError(
        '--methods',
        `a comma list of ${VISION_METHODS.join(', ')}`,
        m,
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
    `gim experiment vision: methods ${methods.join(', ')}; ${config.train.steps} steps of batch ${config.train.batchSize}; backend ${backend.name}; out ${outDir}\n`,
  );
  const progress = progressLine();
  const results: MethodResult[] = [];
  const started = new Date().toISOString();
  for (const method of methods) {
    const result = await runVisionMethod(config, method, backend.name, (e) => {
      if (e.phase === 'train')
        progress.update(
          `${method}: step ${e.step}/${e.steps} loss ${e.text}`,
          e.step === e.steps || e.step! % 25 === 0,
        );
      else progress.update(`${method}: linear probes`, true);
    });
    results.push(result);
    progress.done();
    process.stderr.write(
      `${method}: ${result.modules.map((m) => `module ${m.module} ${(100 * m.accuracy).toFixed(1)}%`).join(', ')} (train ${result.trainSeconds.toFixed(0)} s, probe ${result.probeSeconds.toFixed(0)} s)\n`,
    );
    writeOutputs(outDir, results, { started, backend: backend.name, argv });
  }
  process.stdout.write(resultsMarkdown(results));
  return 0;
}

function writeOutputs(
  outDir: string,
  results: MethodResult[],
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
  writeFileSync(join(outDir, 'per-module-accuracy.svg'), perModuleAccuracySvg(results));
}
