import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from '../main.js';
import { STRICT_FLAG, parseFlags } from '../args.js';
import { formatSeconds } from '../progress.js';
import {
  BACKEND_NAMES,
  initBackend,
  type ActiveBackend,
  type BackendName,
} from '../../backend/select.js';
import { loadNativeBackend } from '../../backend/native/index.js';
import { ConfigError } from '../../errors.js';
import {
  DurationTracker,
  minutes,
  plannedTrainingSeconds,
  plannedTrainingSteps,
  timeTrainingStep,
} from './demo-estimate.js';
import { runExperimentCli } from './experiment.js';
import { readRecordedRun, recordedRunLines } from './demo-recorded.js';

const HELP = `usage: gim demo [options]

The main demo: builds the synthetic speech corpus if it is missing, trains GIM and CPC at a small
size (configs/demo.json; methods and probes in configs/experiment-demo.json), probes them, a random
encoder and MFCC features, and prints the results table. Measured on 2 shared cores: 11 min with
the native backend, 37 min on wasm (docs/results.md); it prints its own estimate as it starts.

options:
  --data DIR        corpus folder (default data/synth-speech; generated when absent)
  --out DIR         results folder (default runs/demo-<time>)
  --methods LIST    comma-separated subset of random, mfcc, cpc, gim, supervised, greedy-supervised
  --steps N         training steps of GIM and CPC (default from configs/demo.json)
  --preset NAME     model preset (default demo; demo-tiny runs in seconds, for a smoke test);
                    configs/experiment-NAME.json, when present, gives the methods and probes
  --strict          stop at a corpus problem instead of skipping the utterance (data.strict)
  --backend NAME    ${BACKEND_NAMES.join(' | ')} (default auto)
  -h, --help

It first says which backend it uses and why, times a few training steps and prints the expected
duration on this machine, and refines it once the first method has been probed.`;

export const command: CommandModule = {
  summary:
    'the main demo: synthetic speech → GIM vs CPC vs random vs MFCC (~11 min native, ~37 min wasm)',
  async run(argv) {
    const { values } = parseFlags('demo', argv, {
      data: { type: 'string' },
      out: { type: 'string' },
      methods: { type: 'string' },
      steps: { type: 'string' },
      preset: { type: 'string' },
      ...STRICT_FLAG,
      backend: { type: 'string' },
      modality: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (values.modality !== undefined && values.modality !== 'audio')
      throw new ConfigError(
        '--modality',
        '"audio" (the demo is the audio experiment)',
        values.modality,
        'command line',
      );
    const requested = ((values.backend as string | undefined) ?? 'auto') as BackendName;
    const backend = await startBackend(requested);
    const data = (values.data as string | undefined) ?? join('data', 'synth-speech');
    if (!existsSync(join(data, 'train_split.txt'))) await buildCorpus(data);
    const out =
      (values.out as string | undefined) ??
      join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    let tracker: DurationTracker | null = null;
    await runExperimentCli({
      data,
      out,
      preset: (values.preset as string | undefined) ?? 'demo',
      ...(typeof values.methods === 'string' ? { methods: values.methods } : {}),
      backend: requested,
      flags: {
        ...(typeof values.steps === 'string' ? { steps: values.steps } : {}),
        ...(values.strict ? { strict: true } : {}),
      },
      commandLine: `gim demo ${argv.join(' ')}`.trim(),
      beforeRun: async ({ model, settings }) => {
        const perStep = {
          gim: await timeTrainingStep(model, 'gim-6'),
          cpc: await timeTrainingStep(model, 'cpc'),
        };
        const steps = plannedTrainingSteps(model, settings);
        const seconds = plannedTrainingSeconds(model, settings, perStep);
        process.stderr.write(
          `gim demo: a training step takes ${perStep.gim.toFixed(2)} s (GIM) / ${perStep.cpc.toFixed(2)} s (CPC) on ${backend.name} here (timed), so training ` +
            `is expected to take ~${minutes(seconds)} min (${steps} steps); the probes of ${settings.methods.length} ` +
            'methods come on top: a total estimate follows once the first method is probed\n',
        );
        // The tracker extrapolates the steps left at the mean timed cost per planned step.
        tracker = new DurationTracker(
          steps,
          steps > 0 ? seconds / steps : 0,
          settings.methods.length,
        );
      },
      onEvent: (e) => {
        const line = tracker?.update(e);
        if (line) process.stderr.write(`gim demo: ${line}\n`);
      },
    });
    // The demo's own results are already written: a broken docs file only costs this summary.
    try {
      const recorded = readRecordedRun();
      if (recorded) process.stdout.write(`\n${recordedRunLines(recorded).join('\n')}\n`);
    } catch (err) {
      process.stderr.write(`gim demo: warning: ${(err as Error).message}\n`);
    }
    return 0;
  },
};

/** Starts the backend and says so; on wasm, points at the faster native backend. */
async function startBackend(requested: BackendName): Promise<ActiveBackend> {
  const backend = await initBackend(requested);
  process.stderr.write(`gim demo: backend ${backend.name} (${backend.note})\n`);
  if (backend.name === 'wasm')
    process.stderr.write(
      loadNativeBackend().ok
        ? 'gim demo: --backend native is available here and trains several times faster\n'
        : 'gim demo: the native backend trains several times faster (about 5x per paper-size step, docs/benchmarks.md): ' +
            '`apt-get install libdnnl-dev libopenblas-dev`, then `npm rebuild`\n',
    );
  return backend;
}

async function buildCorpus(out: string): Promise<void> {
  const { generateSynthSpeech } = await import('../../audio/synth-speech/index.js');
  process.stderr.write(
    `gim demo: building the synthetic speech corpus in ${out} (eSpeak NG; a few minutes)\n`,
  );
  const started = Date.now();
  const result = await generateSynthSpeech({
    out,
    onProgress: (p) =>
      process.stderr.write(
        `  speakers ${p.speakersDone}/${p.speakers}, ${p.utterances} utterances, ${formatSeconds(p.seconds)} of audio [${formatSeconds((Date.now() - started) / 1000)}]\n`,
      ),
  });
  process.stderr.write(
    `gim demo: corpus ready: ${result.trainUtterances} train / ${result.testUtterances} test utterances, ${formatSeconds(result.seconds)} of audio\n`,
  );
}
