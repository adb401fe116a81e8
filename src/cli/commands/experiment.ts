import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from '../main.js';
import {
  CONFIG_FLAGS,
  STRICT_FLAG,
  flagOverrides,
  parseFlags,
  parseWords,
  withoutWord,
  type Options,
} from '../args.js';
import { VISION_EXPERIMENT_OPTIONS, runVisionExperimentCli } from './experiment-vision.js';
import { formatSeconds, progressLine } from '../progress.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { PRESET_DIR, loadPreset } from '../../core/config/presets.js';
import { ConfigError } from '../../errors.js';
import type { ProbeResult } from '../../probe/linear-probe.js';
import { describeSkipped } from '../../audio/data/skipped.js';
import type { AudioCorpus } from '../../audio/data/index.js';
import {
  DEFAULT_AUDIO_CONFIG,
  resolveAudioConfig,
  type AudioGimConfig,
} from '../../audio/config.js';
import {
  AUDIO_METHODS,
  resolveExperimentSettings,
  runAudioExperiment,
  type ExperimentEvent,
  type ExperimentRow,
  type ExperimentSettings,
} from '../../audio/experiment.js';
import {
  confusionSummary,
  markdownTable,
  pctWithError,
  perModuleSvg,
  perModuleTable,
} from '../../audio/report.js';
import { seedPerModuleTable, seedSummaryTable, summarizeSeeds } from '../../audio/report-seeds.js';
import { curveRecords, curveSvg } from '../../audio/report-curve.js';

const HELP = `usage: gim experiment audio --data DIR --out DIR [options]
       gim experiment vision ... (see gim experiment vision --help)

Train and probe the paper's audio methods on one corpus (${AUDIO_METHODS.join(', ')}), then write
results.md, results.json and per-module SVG plots to --out. Every accuracy comes with its
standard error (cluster-robust over test utterances) and each row with its feature width (dim).

options:
  --data DIR           corpus in LibriSpeech layout (e.g. data/synth-speech)
  --out DIR            output folder (checkpoints of GIM and CPC go to DIR/checkpoints)
  --preset NAME|FILE   model/training preset (configs/NAME.json); configs/experiment-NAME.json, when
                       present, gives the methods and probe settings
  --methods LIST       comma-separated subset of the methods
  --settings FILE      JSON overrides of the experiment settings (methods, probe, supervised,
                       seeds, curve)
  --seeds LIST         model seeds, e.g. 1,2,3: every method runs once per seed (the probe's test
                       windows stay fixed); adds a summary table, mean ± sd across seeds (mean SE)
  --curve LIST         learning curve, e.g. 250,500,1000,2000: GIM and CPC train to the largest
                       step and are probed at each (the experiment's probe settings); writes
                       curve.json and curve-{phone,speaker}.svg (log steps, baselines dashed)
  --steps N  --batch-size N  --lr X  --seed N  --channels N  --window SAMPLES  --set PATH=VALUE
  --strict             stop at a corpus problem instead of skipping the utterance (data.strict)
  --backend NAME       ${BACKEND_NAMES.join(' | ')} (default auto)
  -h, --help

The experiment name may stand anywhere among the flags (gim experiment --backend wasm vision).`;

export interface ExperimentCliOptions {
  readonly data: string;
  readonly out: string;
  readonly preset?: string;
  readonly methods?: string;
  /** Comma-separated model seeds (--seeds). */
  readonly seeds?: string;
  /** Comma-separated learning-curve steps (--curve). */
  readonly curve?: string;
  /** JSON file of experiment-settings overrides. */
  readonly settings?: string;
  readonly backend: BackendName;
  readonly flags: Record<string, unknown>;
  /** Printed in results.md as the command that produced it. */
  readonly commandLine: string;
  /** Called once the configs are resolved and the backend is up, before any work (the demo's estimate). */
  readonly beforeRun?: (plan: {
    model: AudioGimConfig;
    settings: ExperimentSettings;
  }) => Promise<void>;
  /** Every experiment event, after the progress printing. */
  readonly onEvent?: (e: ExperimentEvent) => void;
}

const AUDIO_OPTIONS = {
  ...CONFIG_FLAGS,
  ...STRICT_FLAG,
  data: { type: 'string' },
  out: { type: 'string' },
  methods: { type: 'string' },
  settings: { type: 'string' },
  seeds: { type: 'string' },
  curve: { type: 'string' },
  backend: { type: 'string' },
  modality: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const command: CommandModule = {
  summary:
    "train and probe the paper's baselines (audio or vision); write a results table and plots",
  async run(argv) {
    // First pass knows every flag of both experiments, so the name may stand anywhere.
    const all = parseWords('experiment', argv, { ...VISION_EXPERIMENT_OPTIONS, ...AUDIO_OPTIONS });
    const name = all.positionals[0];
    if (all.values.help && name === undefined) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (!name || !['audio', 'vision'].includes(name.value) || all.positionals.length !== 1) {
      throw new ConfigError(
        'gim experiment',
        'the experiment name "audio" or "vision"',
        all.positionals.map((p) => p.value).join(' ') || undefined,
        'command line',
      );
    }
    if (all.values.modality !== undefined && all.values.modality !== name.value)
      throw new ConfigError(
        '--modality',
        `"${name.value}" for gim experiment ${name.value}`,
        all.values.modality,
        'command line',
      );
    const rest = withoutWord(argv, name.index);
    if (name.value === 'vision') return runVisionExperimentCli(rest);
    const { values } = parseFlags('experiment audio', rest, AUDIO_OPTIONS);
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (typeof values.data !== 'string')
      throw new ConfigError('--data', 'a corpus folder', undefined, 'command line');
    if (typeof values.out !== 'string')
      throw new ConfigError('--out', 'an output folder', undefined, 'command line');
    await runExperimentCli({
      data: values.data,
      out: values.out,
      ...(typeof values.preset === 'string' ? { preset: values.preset } : {}),
      ...(typeof values.methods === 'string' ? { methods: values.methods } : {}),
      ...(typeof values.settings === 'string' ? { settings: values.settings } : {}),
      ...(typeof values.seeds === 'string' ? { seeds: values.seeds } : {}),
      ...(typeof values.curve === 'string' ? { curve: values.curve } : {}),
      backend: ((values.backend as string | undefined) ?? 'auto') as BackendName,
      flags: values,
      commandLine: `gim experiment audio ${rest.join(' ')}`.trim(),
    });
    return 0;
  },
};

/** Shared by `gim experiment audio` and `gim demo`: run, print the table, write the files. */
export async function runExperimentCli(o: ExperimentCliOptions): Promise<ExperimentRow[]> {
  const { model, settings } = resolveExperiment(o);
  const backend = await initBackend(o.backend);
  await o.beforeRun?.({ model, settings });
  const { openLibriSpeech } = await import('../../audio/data/index.js');
  const corpus = await openLibriSpeech(o.data, {
    windowSamples: model.data.windowSamples,
    onProblem: model.data.strict ? 'error' : 'skip',
  });
  for (const line of describeSkipped(corpus.skipped))
    process.stderr.write(`gim experiment: ${line}\n`);
  process.stderr.write(
    `gim experiment: ${settings.methods.join(', ')} on ${o.data} (${corpus.speakers.length} speakers, ${corpus.ids('train').length}/${corpus.ids('test').length} train/test utterances, ` +
      `${corpus.phoneClasses} phone classes), backend ${backend.name}, out ${o.out}\n`,
  );
  mkdirSync(o.out, { recursive: true });
  const started = Date.now();
  const progress = progressLine();
  const print = eventPrinter(started, progress);
  const rows = await runAudioExperiment({
    corpus,
    model,
    settings,
    checkpointRoot: join(o.out, 'checkpoints'),
    onEvent: (e: ExperimentEvent) => {
      print(e);
      o.onEvent?.(e);
    },
  });
  progress.done();
  writeResults(o, rows, { corpus, backend: backend.name, started, settings });
  return rows;
}

/** The model config (preset, then flags) and the experiment settings (preset, file, --methods). */
function resolveExperiment(o: ExperimentCliOptions): {
  model: AudioGimConfig;
  settings: ExperimentSettings;
} {
  const layers: { source: string; values: unknown }[] = [];
  const settingsLayers: { source: string; values: unknown }[] = [];
  if (o.preset) {
    layers.push(loadPreset(o.preset));
    const evalPreset = join(PRESET_DIR, `experiment-${o.preset}.json`);
    if (!o.preset.includes('/') && existsSync(evalPreset))
      settingsLayers.push(loadPreset(evalPreset, 'settings'));
  }
  const flags = flagOverrides(o.flags, DEFAULT_AUDIO_CONFIG);
  flags.data = { ...((flags.data as object) ?? {}), source: 'librispeech', dir: o.data };
  layers.push({ source: 'flags', values: flags });
  const model = resolveAudioConfig(layers);
  if (o.settings) settingsLayers.push(loadPreset(o.settings, 'settings'));
  if (o.methods)
    settingsLayers.push({
      source: '--methods',
      values: { methods: o.methods.split(',').map((m) => m.trim()) },
    });
  for (const [flag, key, text] of [
    ['--seeds', 'seeds', o.seeds],
    ['--curve', 'curve', o.curve],
  ] as const) {
    if (text !== undefined)
      settingsLayers.push({ source: flag, values: { [key]: integerList(flag, text) } });
  }
  const settings = resolveExperimentSettings(settingsLayers);
  return { model, settings };
}

/** "1,2,3" → [1, 2, 3]; anything but comma-separated integers is a ConfigError naming the flag. */
function integerList(flag: string, text: string): number[] {
  const items = text.split(',').map((t) => t.trim());
  if (items.some((t) => !/^\d+$/.test(t)))
    throw new ConfigError(flag, 'comma-separated integers, e.g. 1,2,3', text, 'command line');
  return items.map(Number);
}

/** Prints experiment events as progress lines, at least every 15 s and at each end. */
function eventPrinter(
  started: number,
  progress: ReturnType<typeof progressLine>,
): (e: ExperimentEvent) => void {
  let lastPrinted = 0;
  return (e) => {
    const elapsed = formatSeconds((Date.now() - started) / 1000);
    const periodic = Date.now() - lastPrinted > 15000;
    if (e.kind === 'start') {
      progress.done();
      process.stderr.write(`[${elapsed}] ${e.index + 1}/${e.count} ${e.method} (seed ${e.seed})\n`);
    } else if (e.kind === 'train') {
      const force = periodic || e.step === e.steps || e.step === 1;
      if (force) lastPrinted = Date.now();
      progress.update(
        `[${elapsed}]   ${e.method} train step ${e.step}/${e.steps}  mean module loss ${e.loss.toFixed(3)}`,
        force,
      );
    } else if (e.kind === 'warning') {
      progress.done();
      process.stderr.write(`[${elapsed}]   ${e.method}: warning: ${e.message}\n`);
    } else if (e.kind === 'eval') {
      const { phase, done, total } = e.progress;
      const force = periodic || done === total;
      if (force) lastPrinted = Date.now();
      progress.update(`[${elapsed}]   ${e.method} ${phase} ${done}/${total}`, force);
    } else {
      progress.done();
      const last = e.row.modules[e.row.modules.length - 1];
      const acc = (r: ProbeResult | null | undefined): string => (r ? `${pctWithError(r)} %` : '–');
      process.stderr.write(
        `[${elapsed}]   ${e.row.method}: speaker ${acc(last?.speaker)}, phone ${acc(last?.phone)}\n`,
      );
    }
  };
}

/** results.md, results.json and the two per-module plots into o.out; the tables to stdout. */
function writeResults(
  o: ExperimentCliOptions,
  rows: readonly ExperimentRow[],
  run: { corpus: AudioCorpus; backend: string; started: number; settings: ExperimentSettings },
): void {
  const { corpus, started, settings } = run;
  const date = new Date().toISOString();
  const table = markdownTable(rows, corpus.speakers.length, corpus.phoneClasses);
  const manySeeds = new Set(rows.map((r) => r.seed)).size > 1;
  const summary = manySeeds ? summarizeSeeds(rows) : null;
  const summaryMd = summary
    ? [
        '## Across seeds: final module (mean ± sd over seeds, mean SE of one run)',
        '',
        seedSummaryTable(summary),
        '',
        '## Across seeds: speaker accuracy (%) per module',
        '',
        seedPerModuleTable(summary, 'speaker'),
        '',
        '## Across seeds: phone accuracy (%) per module',
        '',
        seedPerModuleTable(summary, 'phone'),
        '',
      ]
    : [];
  const curves = curveRecords(rows);
  const md = [
    `# Audio experiment (${date})`,
    '',
    `Command: \`${o.commandLine}\``,
    '',
    `Corpus ${o.data}: ${corpus.speakers.length} speakers, ${corpus.ids('train').length} train / ${corpus.ids('test').length} test utterances. Backend ${run.backend}. Wall time ${formatSeconds((Date.now() - started) / 1000)}.`,
    '',
    ...summaryMd,
    `## Final module${manySeeds ? ', every seed' : ''} (linear probes, test split; accuracy ± SE)`,
    '',
    table,
    '',
    '## Speaker accuracy (%) per module',
    '',
    perModuleTable(rows, 'speaker'),
    '',
    '## Phone accuracy (%) per module',
    '',
    perModuleTable(rows, 'phone'),
    '',
    '## Confusions (final module)',
    '',
    confusionSummary(rows, corpus.speakers, corpus.phoneNames),
    '',
    '![speaker error per module](per-module-speaker.svg) ![phone error per module](per-module-phone.svg)',
    '',
    ...(curves.length > 0
      ? [
          `## Learning curves (steps ${settings.curve.join(', ')}; every module in curve.json)`,
          '',
          '![phone accuracy against steps](curve-phone.svg) ![speaker accuracy against steps](curve-speaker.svg)',
          '',
        ]
      : []),
  ].join('\n');
  writeFileSync(join(o.out, 'results.md'), md);
  writeFileSync(
    join(o.out, 'results.json'),
    `${JSON.stringify({ started: new Date(started).toISOString(), date, command: o.commandLine, data: o.data, backend: run.backend, settings, summary, rows }, null, 1)}\n`,
  );
  const written = ['results.json', 'per-module-{speaker,phone}.svg'];
  if (curves.length > 0) {
    writeFileSync(
      join(o.out, 'curve.json'),
      `${JSON.stringify({ date, command: o.commandLine, steps: settings.curve, probe: settings.probe, curves, baselines: rows.filter((r) => !r.curve).map((r) => ({ method: r.method, seed: r.seed, modules: r.modules })) }, null, 1)}\n`,
    );
    for (const probe of ['phone', 'speaker'] as const)
      writeFileSync(
        join(o.out, `curve-${probe}.svg`),
        curveSvg(
          rows,
          probe,
          `${probe === 'phone' ? 'Phone' : 'Speaker'} classification: final module against training steps`,
        ),
      );
    written.push('curve.json', 'curve-{phone,speaker}.svg');
  }
  writeFileSync(
    join(o.out, 'per-module-speaker.svg'),
    perModuleSvg(rows, 'speaker', 'Speaker classification: error per module'),
  );
  writeFileSync(
    join(o.out, 'per-module-phone.svg'),
    perModuleSvg(rows, 'phone', 'Phone classification: error per module'),
  );
  const summaryText = summary
    ? `\nacross seeds (final module, mean ± sd, mean SE):\n${seedSummaryTable(summary)}\n`
    : '';
  process.stdout.write(
    `${table}\n\nper module (speaker accuracy % ± SE):\n${perModuleTable(rows, 'speaker')}\n${summaryText}\nwritten: ${join(o.out, 'results.md')}, ${written.join(', ')}\n`,
  );
}
