/**
 * `gim data`: build the synthetic speech corpus, check a LibriSpeech-style corpus, and measure
 * the speaker-ID difficulty baseline. Thin wrappers over src/audio/data and src/audio/synth-speech;
 * this file owns the printing.
 */
import { parseArgs } from 'node:util';
import type { CommandModule } from '../main.js';
import { ConfigError } from '../../errors.js';
import { withoutWord } from '../args.js';

const SUBCOMMANDS: Record<string, string> = {
  'synth-speech': `synth-speech --out DIR [--speakers 40] [--seconds-per-speaker 60] [--seed 1] [--format flac|wav]
      Generate a synthetic multi-speaker speech corpus (eSpeak NG, needs the optional
      package @echogarden/espeak-ng-emscripten, GPL-3.0) in the LibriSpeech layout.`,
  check: `check DIR [--window-samples 20480] [--decode]
      Open a LibriSpeech-style corpus and report utterances, hours, speakers, label coverage
      and every skipped or broken utterance. Corpora up to 2 h are decoded in full; --decode
      decodes every file of any size, one at a time. Exit code 1 when something is broken.`,
  baseline: `baseline DIR [--seed 1]
      Speaker-ID difficulty: linear softmax on the mean log spectrum of 1.28 s windows,
      trained on train-split windows, tested on test-split windows.`,
};

const HELP = `usage: gim data <subcommand> [options]

subcommands:
${Object.values(SUBCOMMANDS)
  .map((h) => `  ${h}`)
  .join('\n')}
`;

type Parsed = ReturnType<typeof parseArgs>;
type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

const SYNTH_OPTIONS = {
  out: { type: 'string' },
  speakers: { type: 'string' },
  'seconds-per-speaker': { type: 'string' },
  seed: { type: 'string' },
  format: { type: 'string' },
} as const satisfies Options;
const CHECK_OPTIONS = {
  'window-samples': { type: 'string' },
  decode: { type: 'boolean' },
} as const satisfies Options;
const BASELINE_OPTIONS = { seed: { type: 'string' } } as const satisfies Options;
/** Every subcommand's flags, so the subcommand word can be found anywhere among them. */
const ALL_OPTIONS = {
  ...SYNTH_OPTIONS,
  ...CHECK_OPTIONS,
  ...BASELINE_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** A command-line mistake: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {
  constructor(
    readonly sub: string,
    message: string,
  ) {
    super(message);
  }
}

function parse(argv: string[], options: Options, sub: string): Parsed {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(sub, (err as Error).message.split('. To specify')[0]!);
  }
}

/** The one corpus folder a subcommand takes as its argument. */
function corpusFolder(sub: string, positionals: readonly string[]): string {
  if (positionals.length !== 1)
    throw new UsageError(sub, `expected one corpus folder, found ${positionals.length} arguments`);
  return positionals[0]!;
}

function intFlag(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`--${name}`, `an integer ≥ ${min}`, value, 'gim data');
  return n;
}

async function synthSpeech(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, SYNTH_OPTIONS, 'synth-speech');
  if (values.help) return usage('synth-speech');
  if (positionals.length > 0)
    throw new UsageError(
      'synth-speech',
      `unexpected argument ${JSON.stringify(positionals[0])} (use --out DIR)`,
    );
  if (typeof values.out !== 'string') throw new UsageError('synth-speech', '--out DIR is required');
  const seconds = Number(values['seconds-per-speaker'] ?? 60);
  if (!(seconds > 0))
    throw new ConfigError(
      '--seconds-per-speaker',
      'a positive number',
      values['seconds-per-speaker'],
      'gim data',
    );
  const format = values.format ?? 'flac';
  if (format !== 'flac' && format !== 'wav')
    throw new ConfigError('--format', '"flac" or "wav"', format, 'gim data');
  const { generateSynthSpeech } = await import('../../audio/synth-speech/generate.js');
  const t0 = Date.now();
  const r = await generateSynthSpeech({
    out: values.out,
    speakers: intFlag(values.speakers, 'speakers', 40),
    secondsPerSpeaker: seconds,
    seed: intFlag(values.seed, 'seed', 1, 0),
    format,
    onProgress: (p) =>
      process.stderr.write(
        `speaker ${p.speakersDone}/${p.speakers}: ${p.utterances} utterances, ${(p.seconds / 60).toFixed(1)} min\n`,
      ),
  });
  process.stdout.write(
    `wrote ${r.utterances} utterances (${r.trainUtterances} train, ${r.testUtterances} test), ` +
      `${(r.seconds / 60).toFixed(1)} min of ${r.format.toUpperCase()} to ${r.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, CHECK_OPTIONS, 'check');
  if (values.help) return usage('check');
  const folder = corpusFolder('check', positionals);
  const { openLibriSpeech } = await import('../../audio/data/librispeech.js');
  const windowSamples = intFlag(values['window-samples'], 'window-samples', 20480);
  // --decode: decode file by file without keeping them, so it also works for 100 h of audio.
  const corpus = await openLibriSpeech(folder, {
    windowSamples,
    onProblem: 'skip',
    ...(values.decode ? { cacheDecoded: false } : {}),
  });
  const out = process.stdout;
  out.write(
    `corpus ${corpus.root}\n  speakers: ${corpus.speakers.length}\n  phone classes: ${corpus.phoneClasses || 'none (no label file)'}\n`,
  );
  for (const split of ['train', 'test'] as const) {
    const s = corpus.summary(split);
    const coverage = s.frames > 0 ? ((100 * s.labelledFrames) / s.frames).toFixed(1) : '0.0';
    const hours = s.samples / 16000 / 3600;
    const duration = hours >= 1 ? `${hours.toFixed(2)} h` : `${(hours * 60).toFixed(2)} min`;
    out.write(
      `  ${split}: ${s.utterances} utterances, ${duration}, labels on ${coverage}% of 10 ms frames\n`,
    );
  }
  if (values.decode) {
    // Decoding on demand drops a broken file into corpus.skipped (skip mode), so just touch all.
    for (const id of [...corpus.ids('train'), ...corpus.ids('test')])
      await corpus.utterance(id).catch(() => undefined);
  }
  const short = corpus.skipped.filter((s) => s.reason.startsWith('too short'));
  const broken = corpus.skipped.filter((s) => !s.reason.startsWith('too short'));
  out.write(
    `  skipped as too short for a ${windowSamples}-sample window: ${short.length}\n  problems: ${broken.length}\n`,
  );
  for (const p of broken) out.write(`    ${p.utterance}: ${p.reason}\n`);
  return broken.length > 0 ? 1 : 0;
}

async function baseline(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, BASELINE_OPTIONS, 'baseline');
  if (values.help) return usage('baseline');
  const folder = corpusFolder('baseline', positionals);
  const { measureSpeakerBaseline } = await import('../../audio/synth-speech/difficulty.js');
  const t0 = Date.now();
  const r = await measureSpeakerBaseline(folder, {
    seed: intFlag(values.seed, 'seed', 1, 0),
  });
  for (const a of r.accuracyByL2) {
    process.stdout.write(
      `l2 ${a.l2}: train ${(100 * a.trainAccuracy).toFixed(1)}%, test ${(100 * a.testAccuracy).toFixed(1)}%\n`,
    );
  }
  process.stdout.write(
    `speaker accuracy (mean log spectrum, linear, best of the L2 grid): ${(100 * r.accuracy).toFixed(1)}% ` +
      `over ${r.testExamples} test windows, ${r.speakers} speakers, chance ${(100 * r.chance).toFixed(1)}% ` +
      `(${r.trainExamples} train windows, ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`,
  );
  return 0;
}

function usage(sub: string): number {
  process.stdout.write(`usage: gim data ${SUBCOMMANDS[sub]}\n`);
  return 0;
}

export const command: CommandModule = {
  summary: 'build the synthetic speech corpus; check a corpus; measure its speaker-ID difficulty',
  async run(argv: string[]): Promise<number> {
    let words: Parsed;
    try {
      words = parseArgs({
        args: argv,
        options: ALL_OPTIONS,
        allowPositionals: true,
        strict: true,
        tokens: true,
      });
    } catch (err) {
      process.stderr.write(
        `gim data: ${(err as Error).message.split('. To specify')[0]}; see \`gim data --help\`\n`,
      );
      return 2;
    }
    // The subcommand is the first positional word, wherever it stands among the flags.
    const first = words.tokens?.find((t) => t.kind === 'positional');
    const sub = first?.value;
    const rest = first ? withoutWord(argv, first.index) : argv;
    if (sub === undefined || sub === 'help') {
      process.stdout.write(HELP);
      return sub === undefined && !words.values.help ? 2 : 0;
    }
    const run = { 'synth-speech': synthSpeech, check, baseline }[sub];
    if (run) {
      try {
        return await run(rest);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(
          `gim data ${err.sub}: ${err.message}; see \`gim data ${err.sub} --help\`\n`,
        );
        return 2;
      }
    }
    process.stderr.write(
      `gim data: unknown subcommand "${sub}"; expected synth-speech, check or baseline\n`,
    );
    return 2;
  },
};
