/**
 * `gim experiment vision`: the methods raw pixels, random, GIM, CPC, supervised, greedy
 * supervised (and GIM trained sequentially), probed per module on the same images, over one or
 * more seeds, with Markdown/JSON tables, a per-module plot and optional learning curves.
 * experiment.ts routes here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FLAGS, parseFlags, type Options } from '../args.js';
import { progressLine } from '../progress.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { resolveVisionConfig, type VisionGimConfig } from '../../vision/config.js';
import { checkStepMemory } from '../../vision/memory.js';
import { resolveVisionRunConfig } from './train-vision.js';
import { ConfigError } from '../../errors.js';
import {
  CURVE_METHODS,
  DEFAULT_VISION_METHODS,
  VISION_METHODS,
  runVisionMethod,
  type VisionMethod,
  type MethodResult,
} from '../../vision/experiment.js';
import {
  curveJson,
  curveSvg,
  pctPm,
  perModuleAccuracySvg,
  resultsMarkdown,
  seedSummary,
  summaryMarkdown,
} from '../../vision/experiment-report.js';

const EXPERIMENT_HELP = `usage: gim experiment vision [options]

Trains the methods at one size, probes every encoder module linearly on the same images (the
first probe.trainImages labelled and probe.testImages test images), and writes results.md,
results.json and per-module-accuracy.svg into --out. Every accuracy comes with its binomial
standard error (± SE) and feature dimension (d=…).
  --methods LIST   comma list of (default: ${DEFAULT_VISION_METHODS.join(',')}):
      raw-pixels           the same linear probe on the images' own pixels (784 for Fashion-MNIST)
      random               a randomly initialised encoder, untrained
      gim | cpc            Greedy InfoMax (one module per ResNet stage) | end-to-end CPC (+PixelCNN)
      supervised | greedy-supervised   cross-entropy end to end | per module (probe's images only)
      gim-sequential       GIM one module at a time, steps/M each (the same total steps as gim)
      gim-sequential-full  GIM one module at a time, --steps each (M times gim's total)
  --seeds 1,2,3    run every method once per training seed: a row per seed, and a mean ± sd
                   summary per method (final module and every module); default: --seed
  --curve 100,200,400,…   learning curves: probe GIM and CPC at these steps of their one
                   training run (the run is the same with or without it) and at the end;
                   writes curve.json and curve.svg (log steps; raw-pixels, random and
                   supervised as dashed levels)
  --preset NAME|FILE   (default vision-tiny)   --data DIR   --steps N   --batch-size N   --lr X
  --seed N   --set PATH=VALUE (e.g. --set probe.testImages=10000)
  --backend NAME   ${BACKEND_NAMES.join(' | ')}   --out DIR (default runs/vision-experiment-<time>)`;

/** Every flag of `gim experiment vision`. */
export const VISION_EXPERIMENT_OPTIONS = {
  ...CONFIG_FLAGS,
  data: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  methods: { type: 'string' },
  seeds: { type: 'string' },
  curve: { type: 'string' },
  modality: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** A comma list of integers >= `min` from a flag, or a ConfigError naming the flag. */
export function parseIntList(flag: string, raw: string, min: number): number[] {
  const items = raw.split(',').map((x) => x.trim());
  const values = items.map(Number);
  const bad = items.find((x, i) => x === '' || !Number.isInteger(values[i]) || values[i]! < min);
  if (bad !== undefined)
    throw new ConfigError(flag, `a comma list of integers >= ${min}`, raw, 'command line');
  if (new Set(values).size !== values.length)
    throw new ConfigError(flag, 'each value once', raw, 'command line');
  return values;
}

function parseMethods(raw: string | undefined): VisionMethod[] {
  const methods = (raw?.split(',') ?? [...DEFAULT_VISION_METHODS]) as VisionMethod[];
  for (const m of methods)
    if (!VISION_METHODS.includes(m))
      throw new ConfigError(
        '--methods',
        `a comma list of ${VISION_METHODS.join(', ')}`,
        m,
        'command line',
      );
  return methods;
}

/** The --curve steps, checked against the run: within --steps, and a method that has curves. */
function parseCurve(
  raw: string | undefined,
  config: VisionGimConfig,
  methods: readonly VisionMethod[],
): number[] {
  if (raw === undefined) return [];
  const steps = parseIntList('--curve', raw, 1).sort((a, b) => a - b);
  if (steps[steps.length - 1]! > config.train.steps)
    throw new ConfigError(
      '--curve',
      `steps at most the training steps (${config.train.steps})`,
      raw,
      'command line',
    );
  if (!methods.some((m) => CURVE_METHODS.includes(m)))
    throw new ConfigError(
      '--curve',
      `--methods with ${CURVE_METHODS.join(' or ')} (the methods a curve follows)`,
      methods.join(','),
      'command line',
    );
  return steps;
}

export async function runVisionExperimentCli(argv: string[]): Promise<number> {
  const { values } = parseFlags('experiment vision', argv, VISION_EXPERIMENT_OPTIONS);
  if (values.help) {
    process.stdout.write(`${EXPERIMENT_HELP}\n`);
    return 0;
  }
  const config = resolveVisionRunConfig({ ...values, preset: values.preset ?? 'vision-tiny' });
  const methods = parseMethods(values.methods as string | undefined);
  const seeds =
    typeof values.seeds === 'string'
      ? parseIntList('--seeds', values.seeds, 0)
      : [config.train.seed];
  const curve = parseCurve(values.curve as string | undefined, config, methods);
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
    `gim experiment vision: methods ${methods.join(', ')}; seeds ${seeds.join(', ')}; ${config.train.steps} steps of batch ${config.train.batchSize}; ` +
      `probe ${config.probe.trainImages || 'all'} train / ${config.probe.testImages || 'all'} test images; backend ${backend.name}; out ${outDir}\n`,
  );
  const progress = progressLine();
  const results: MethodResult[] = [];
  const started = new Date().toISOString();
  for (const seed of seeds) {
    const base = resolveVisionConfig([
      {
        source: `--seeds ${seed}`,
        values: { ...structuredClone(config), train: { ...config.train, seed } },
      },
    ]);
    for (const method of methods) {
      const result = await runVisionMethod(
        base,
        method,
        backend.name,
        (e) => {
          for (const w of e.warnings ?? []) {
            progress.done();
            process.stderr.write(`${method} seed ${seed}: warning: ${w}\n`);
          }
          if (e.phase === 'train')
            progress.update(
              `${method} seed ${seed}: step ${e.step}/${e.steps} loss ${e.text}`,
              e.step === e.steps || e.step! % 25 === 0,
            );
          else if (e.phase === 'curve')
            progress.update(`${method} seed ${seed}: probing at step ${e.step}`, true);
          else progress.update(`${method} seed ${seed}: linear probes`, true);
        },
        { curve },
      );
      results.push(result);
      progress.done();
      process.stderr.write(
        `${method} seed ${seed}: ${result.modules.map((m) => `module ${m.module} ${pctPm(m.accuracy, m.standardError)}% (d=${m.channels})`).join(', ')} (train ${result.trainSeconds.toFixed(0)} s, probe ${result.probeSeconds.toFixed(0)} s)\n`,
      );
      writeOutputs(outDir, results, { started, backend: backend.name, argv });
    }
  }
  process.stdout.write(resultsMarkdown(results));
  if (seeds.length > 1) process.stdout.write(`\n${summaryMarkdown(seedSummary(results))}`);
  return 0;
}

function writeOutputs(
  outDir: string,
  results: MethodResult[],
  meta: { started: string; backend: string; argv: string[] },
): void {
  const summary = seedSummary(results);
  writeFileSync(
    join(outDir, 'results.md'),
    `# gim experiment vision\n\nCommand: \`gim experiment vision ${meta.argv.join(' ')}\`\nStarted ${meta.started}, backend ${meta.backend}.\n\n` +
      `## Per seed\n\n${resultsMarkdown(results)}\n## Mean ± sd over seeds\n\n${summaryMarkdown(summary)}`,
  );
  writeFileSync(
    join(outDir, 'results.json'),
    `${JSON.stringify({ ...meta, finished: new Date().toISOString(), results, summary }, null, 2)}\n`,
  );
  writeFileSync(join(outDir, 'per-module-accuracy.svg'), perModuleAccuracySvg(results));
  if (results.some((r) => r.curve.length > 0)) {
    writeFileSync(join(outDir, 'curve.json'), `${JSON.stringify(curveJson(results), null, 2)}\n`);
    writeFileSync(join(outDir, 'curve.svg'), curveSvg(results));
  }
}
