/**
 * Flag handling shared by the commands: parseArgs with strict checking, and the mapping from
 * friendly flags (--steps, --lr, …) and generic `--set path=value` to config overrides.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors.js';
import { setPath } from '../core/config/merge.js';
import { closestName } from '../core/config/did-you-mean.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedFlags {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

export function parseFlags(
  command: string,
  argv: string[],
  options: Options,
  allowPositionals = false,
): ParsedFlags {
  const { values, positionals } = parseWords(command, argv, options, allowPositionals);
  return { values, positionals: positionals.map((p) => p.value) };
}

/** A word of the command line that is neither a flag nor a flag's value, with its argv index. */
export interface Word {
  readonly value: string;
  readonly index: number;
}

/**
 * parseArgs (strict) that also says where each positional word stood, so a subcommand word
 * (`experiment vision`, `data check`) can be found anywhere among the flags and taken out.
 */
export function parseWords(
  command: string,
  argv: string[],
  options: Options,
  allowPositionals = true,
): { values: ParsedFlags['values']; positionals: Word[] } {
  try {
    const { values, tokens } = parseArgs({
      args: argv,
      options,
      allowPositionals,
      strict: true,
      tokens: true,
    });
    const positionals = tokens
      .filter((t) => t.kind === 'positional')
      .map((t) => ({ value: (t as { value: string }).value, index: t.index }));
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    const unknown = /^Unknown option '([^']+)'/.exec((err as Error).message)?.[1];
    if (unknown !== undefined) throw new UnknownFlagError(command, unknown, Object.keys(options));
    throw new ConfigError(
      `gim ${command}`,
      'valid flags (see --help)',
      (err as Error).message.replace(/\. To specify.*$/s, ''),
      'command line',
    );
  }
}

/**
 * A flag the command does not take, said the way a user reads it (the message stands alone:
 * the CLI prints it without its "gim: " prefix): `gim train: unknown flag --stpes (did you mean
 * --steps?); see gim train --help`.
 */
export class UnknownFlagError extends ConfigError {
  constructor(command: string, flag: string, known: readonly string[]) {
    super(`gim ${command}`, 'a flag of the command', flag, 'command line');
    const name = flag.replace(/^-+/, '').replace(/=.*$/, '');
    const close = closestName(name, known);
    const hint = close === null ? '' : ` (did you mean --${close}?)`;
    // "eval (vision checkpoint)" is the eval command seen from one checkpoint kind.
    const base = command.replace(/ \(.*\)$/, '');
    this.message = `gim ${command}: unknown flag ${flag}${hint}; see gim ${base} --help`;
  }
}

/** argv without the word at `index` (a subcommand word already used for routing). */
export function withoutWord(argv: readonly string[], index: number): string[] {
  return argv.filter((_, i) => i !== index);
}

/** Flags that take no value; every other flag takes one (`--flag value` or `--flag=value`). */
export const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  '--help',
  '-h',
  '--quiet',
  '--cache',
  '--add-module',
  '--per-module',
  '--decode',
  '--strict',
  '--version',
]);

/**
 * Index of the first word that is neither a flag nor a flag's value, so global flags may come
 * before the command (`gim --backend wasm experiment vision`); -1 when there is none.
 */
export function firstWordIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (!arg.startsWith('-') || arg === '-') return i;
    if (!arg.includes('=') && !BOOLEAN_FLAGS.has(arg)) i++; // skip the flag's value
  }
  return -1;
}

/** Friendly flag → dotted config path. */
export const AUDIO_FLAG_PATHS: Record<string, string> = {
  steps: 'train.steps',
  'batch-size': 'train.batchSize',
  lr: 'train.learningRate',
  seed: 'train.seed',
  layout: 'encoder.layout',
  channels: 'encoder.channels',
  'log-every': 'train.logEvery',
  'checkpoint-every': 'train.checkpointEvery',
  window: 'data.windowSamples',
  schedule: 'train.schedule',
  'steps-per-module': 'train.stepsPerModule',
  'update-periods': 'train.updatePeriods',
  depth: 'encoder.depth',
};

/** `--strict`: stop at the first unreadable or unlabelled utterance instead of skipping it. */
export const STRICT_FLAG = { strict: { type: 'boolean' } } as const satisfies Options;

export const CONFIG_FLAGS = {
  preset: { type: 'string' },
  set: { type: 'string', multiple: true },
  ...Object.fromEntries(Object.keys(AUDIO_FLAG_PATHS).map((k) => [k, { type: 'string' }])),
} as const satisfies Options;

/** Build the flags' override object, typed by the defaults. */
export function flagOverrides(
  values: Record<string, unknown>,
  defaults: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [flag, path] of Object.entries(AUDIO_FLAG_PATHS)) {
    const v = values[flag];
    if (typeof v === 'string') setPath(out, defaults, path, v, `--${flag}`);
  }
  if (values.strict === true) setPath(out, defaults, 'data.strict', 'true', '--strict');
  for (const assignment of (values.set as string[] | undefined) ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(
        '--set',
        'path=value (e.g. --set loss.negativeSamples=16)',
        assignment,
        'command line',
      );
    setPath(
      out,
      defaults,
      assignment.slice(0, eq),
      assignment.slice(eq + 1),
      `--set ${assignment}`,
    );
  }
  return out;
}
