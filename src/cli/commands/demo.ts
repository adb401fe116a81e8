import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from '../main.js';
import { parseFlags } from '../args.js';
import { formatSeconds } from '../progress.js';
import { BACKEND_NAMES, type BackendName } from '../../backend/select.js';
import { runExperimentCli } from './experiment.js';

const HELP = `usage: gim demo [options]

The main demo: builds the synthetic speech corpus if it is missing, trains GIM and CPC at a small
size (configs/demo.json; methods and probes in configs/experiment-demo.json), probes them, a random
encoder and MFCC features, and prints the results table. Expect about 15 minutes on 2 idle cores.

options:
  --data DIR        corpus folder (default data/synth-speech; generated when absent)
  --out DIR         results folder (default runs/demo-<time>)
  --methods LIST    comma-separated subset of random, mfcc, cpc, gim, supervised, greedy-supervised
  --steps N         training steps of GIM and CPC (default from configs/demo.json)
  --backend NAME    ${BACKEND_NAMES.join(' | ')} (default auto)
  -h, --help`;

export const command: CommandModule = {
  summary: 'the main demo: synthetic speech → GIM vs CPC vs random vs MFCC (about 15 min)',
  async run(argv) {
    const { values } = parseFlags('demo', argv, {
      data: { type: 'string' },
      out: { type: 'string' },
      methods: { type: 'string' },
      steps: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const data = (values.data as string | undefined) ?? join('data', 'synth-speech');
    if (!existsSync(join(data, 'train_split.txt'))) await buildCorpus(data);
    const out =
      (values.out as string | undefined) ??
      join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await runExperimentCli({
      data,
      out,
      preset: 'demo',
      ...(typeof values.methods === 'string' ? { methods: values.methods } : {}),
      backend: ((values.backend as string | undefined) ?? 'auto') as BackendName,
      flags: typeof values.steps === 'string' ? { steps: values.steps } : {},
      commandLine: `gim demo ${argv.join(' ')}`.trim(),
    });
    return 0;
  },
};

async function buildCorpus(out: string): Promise<void> {
  const { generateSynthSpeech } = await import('../../data/synth-speech/index.js');
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
