/**
 * Flag handling shared by the commands: parseArgs with strict checking, and the mapping from
 * friendly flags (--steps, --lr, …) and generic `--set path=value` to config overrides.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors.js';
import { setPath } from '../config/merge.js';

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
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals,
      strict: true,
    });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    throw new ConfigError(
      `gim ${command}`,
      'valid flags (see --help)',
      (err as Error).message.replace(/\. To specify.*$/s, ''),
      'command line',
    );
  }
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
