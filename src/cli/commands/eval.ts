import { existsSync, statSync, writeFileSync } from 'node:fs';
import type { CommandModule } from '../main.js';
import { STRICT_FLAG, parseFlags, type Options } from '../args.js';
import { resolveModality } from './modality.js';
import { VISION_EVAL_OPTIONS, runVisionEvalCli } from './eval-vision.js';
import { formatSeconds, progressLine } from '../progress.js';
import { initBackend, BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { loadPreset } from '../../core/config/presets.js';
import { ConfigError, DataError } from '../../errors.js';
import { describeSkipped } from '../../audio/data/skipped.js';
import type { AudioCorpus } from '../../audio/data/index.js';
import type { AudioGimConfig } from '../../audio/config.js';
import { layerEncoder, loadAudioModel } from '../../audio/encoders.js';
import {
  PROBE_KINDS,
  evaluateEncoder,
  resolveProbeSettings,
  type ModuleProbes,
  type ProbeSettings,
} from '../../audio/probes.js';
import type { ProbeResult } from '../../probe/linear-probe.js';
import { pctWithError } from '../../audio/report.js';

const HELP = `usage: gim eval --checkpoint DIR [options]

Linear probes on a frozen audio encoder saved by \`gim train\` (spec §2.7): speaker identity from
time-averaged final-module features, phone identity per 10 ms frame of whole utterances.
The test windows (10 per test utterance; probe setting speaker.testWindowsPerUtterance) are drawn
once from a fixed seed, so repeated evaluations score the same windows. Every accuracy comes with
its standard error, cluster-robust over test utterances.

options:
  --checkpoint DIR     folder holding checkpoint.gim
  --data DIR           corpus (default: the one the checkpoint was trained on)
  --probe KIND         speaker | phone | both (default both)
  --per-module         probe every module's output, not only the last
  --epochs N           probe epochs (default: speaker 50, phone 20, as the reference)
  --settings FILE      JSON overrides of the probe settings (see configs/experiment-demo.json "probe")
  --json FILE          also write the full results (per-class accuracies, confusions) as JSON
  --strict             stop at a corpus problem instead of skipping the utterance (data.strict)
  --backend NAME       ${BACKEND_NAMES.join(' | ')} (default auto)
  -h, --help

A vision checkpoint is recognised from its header; \`gim eval --checkpoint DIR --help\` then
lists the vision probe options.`;

/** Every flag of `gim eval` on an audio checkpoint; eval-vision.ts has the vision ones. */
const EVAL_OPTIONS = {
  ...STRICT_FLAG,
  checkpoint: { type: 'string' },
  data: { type: 'string' },
  probe: { type: 'string' },
  'per-module': { type: 'boolean' },
  epochs: { type: 'string' },
  settings: { type: 'string' },
  json: { type: 'string' },
  backend: { type: 'string' },
  modality: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const command: CommandModule = {
  summary:
    'linear probes on a trained checkpoint (audio: speaker/phone; vision: image class per module)',
  async run(argv) {
    // First pass knows every flag of both modalities, so routing never trips over one.
    const all = parseFlags('eval', argv, { ...VISION_EVAL_OPTIONS, ...EVAL_OPTIONS }).values;
    const given = all.checkpoint;
    const modality = resolveModality({
      flag: all.modality,
      ...(typeof given === 'string' && existsSync(given) && statSync(given).isDirectory()
        ? { checkpoint: { dir: given, flag: '--checkpoint' } }
        : {}),
    });
    if (modality === 'vision') return runVisionEvalCli(argv);
    const { values } = parseFlags('eval', argv, EVAL_OPTIONS);
    const dir = values.checkpoint;
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    checkCheckpointFolder(dir);
    const settings = probeSettingsFromFlags(values);
    const backend = await initBackend(
      ((values.backend as string | undefined) ?? 'auto') as BackendName,
    );
    const { config, model } = loadAudioModel(dir);
    const { data, corpus } = await openCorpus(values, config, model);
    for (const line of describeSkipped(corpus.skipped)) process.stderr.write(`gim eval: ${line}\n`);
    process.stderr.write(
      `gim eval: ${dir} (${config.encoder.layout}, ${model.modules.length} modules) on ${data}: ${corpus.speakers.length} speakers, ` +
        `${corpus.ids('train').length}/${corpus.ids('test').length} train/test utterances; backend ${backend.name}\n`,
    );
    const started = Date.now();
    const progress = progressLine();
    let last = 0;
    const encoder = layerEncoder(model, config.encoder);
    let results: ModuleProbes[];
    try {
      results = await evaluateEncoder(corpus, encoder, settings, ({ phase, done, total }) => {
        const force = done === total || Date.now() - last > 15000;
        if (force) last = Date.now();
        progress.update(
          `[${formatSeconds((Date.now() - started) / 1000)}] ${phase} ${done}/${total}`,
          force,
        );
      });
    } finally {
      progress.done();
      encoder.dispose();
    }
    process.stdout.write(formatResults(results, corpus.speakers, corpus.phoneNames));
    if (typeof values.json === 'string') {
      writeFileSync(
        values.json,
        `${JSON.stringify({ checkpoint: dir, data, config, settings, results }, null, 1)}\n`,
      );
      process.stderr.write(`gim eval: wrote ${values.json}\n`);
    }
    return 0;
  },
};

/** The labelled corpus to probe on: --data, else the checkpoint's own LibriSpeech corpus. */
async function openCorpus(
  values: Record<string, unknown>,
  config: AudioGimConfig,
  model: { dispose(): void },
): Promise<{ data: string; corpus: AudioCorpus }> {
  const data =
    typeof values.data === 'string'
      ? values.data
      : config.data.source === 'librispeech'
        ? config.data.dir
        : null;
  if (!data) {
    model.dispose();
    throw new ConfigError(
      '--data',
      'a corpus folder (this checkpoint was trained on generated tones, which have no labels)',
      undefined,
      'command line',
    );
  }
  const { openLibriSpeech } = await import('../../audio/data/index.js');
  // --strict, or a checkpoint trained with data.strict: a corpus problem stops the evaluation.
  const corpus = await openLibriSpeech(data, {
    windowSamples: config.data.windowSamples,
    onProblem: values.strict || config.data.strict ? 'error' : 'skip',
  });
  return { data, corpus };
}

/** The --checkpoint flag must name an existing folder. */
function checkCheckpointFolder(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string')
    throw new ConfigError(
      '--checkpoint',
      'a checkpoint folder written by `gim train`',
      undefined,
      'command line',
    );
  if (!existsSync(dir)) throw new DataError(dir, 'checkpoint folder does not exist');
  if (!statSync(dir).isDirectory())
    throw new DataError(dir, 'expected a checkpoint folder, found a file');
}

/** Probe settings: --settings FILE, then --probe, --per-module and --epochs. */
function probeSettingsFromFlags(values: Record<string, unknown>): ProbeSettings {
  const overrides: { source: string; values: unknown }[] = [];
  if (typeof values.settings === 'string') overrides.push(loadPreset(values.settings, 'settings'));
  const flagValues: Record<string, unknown> = {};
  if (typeof values.probe === 'string') {
    if (!(PROBE_KINDS as readonly string[]).includes(values.probe))
      throw new ConfigError('--probe', PROBE_KINDS.join(' | '), values.probe, 'command line');
    flagValues.probes = values.probe;
  }
  if (values['per-module']) flagValues.perModule = true;
  if (typeof values.epochs === 'string') {
    const n = Number(values.epochs);
    if (!Number.isInteger(n) || n <= 0)
      throw new ConfigError('--epochs', 'a positive integer', values.epochs, 'command line');
    flagValues.speaker = { epochs: n };
    flagValues.phone = { epochs: n };
  }
  overrides.push({ source: 'flags', values: flagValues });
  return resolveProbeSettings(overrides);
}

function formatResults(
  results: readonly ModuleProbes[],
  speakers: readonly string[],
  phones: readonly string[] | null,
): string {
  const pct = (r: ProbeResult | null): string => (r ? `${pctWithError(r)} %` : '–').padStart(15);
  const lines = ['module    dim    speaker ± SE      phone ± SE'];
  for (const r of results)
    lines.push(
      `${String(r.module).padStart(6)} ${String(r.dim).padStart(6)} ${pct(r.speaker)} ${pct(r.phone)}`,
    );
  const top = results[results.length - 1]!;
  for (const [name, r, names] of [
    ['speaker', top.speaker, speakers],
    ['phone', top.phone, phones],
  ] as const) {
    if (!r) continue;
    lines.push('');
    lines.push(
      `${name} (module ${top.module}): top-1 ${(100 * r.accuracy).toFixed(2)} %${Number.isFinite(r.standardError) ? ` ± ${(100 * r.standardError).toFixed(2)} (SE over ${r.standardErrorUnits} ${r.standardErrorUnits < r.items ? 'utterances' : 'items'})` : ' (no SE: one test utterance)'} of ${r.items}, balanced ${(100 * r.balancedAccuracy).toFixed(2)} %, ` +
        `majority class ${(100 * r.majorityBaseline).toFixed(2)} %, final train loss ${r.finalTrainLoss.toFixed(4)}`,
    );
    const worst = r.perClass
      .map((a, c) => ({ c, a }))
      .filter((x): x is { c: number; a: number } => x.a !== null)
      .sort((a, b) => a.a - b.a)
      .slice(0, 5);
    lines.push(
      `  weakest classes: ${worst.map((w) => `${names?.[w.c] ?? w.c} ${(100 * w.a).toFixed(0)} %`).join(', ')}`,
    );
    lines.push(
      `  most confused: ${r.confusedPairs.map((p) => `${names?.[p.trueClass] ?? p.trueClass}→${names?.[p.predicted] ?? p.predicted} ×${p.count}`).join(', ') || 'none'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
