#!/usr/bin/env node
/**
 * `gim`: the command-line entry point. The only place (with src/cli/commands/*) that writes to
 * stdout/stderr or sets the exit code; the library reports through callbacks and errors.
 */
import { GimError } from '../errors.js';
import { UnknownFlagError, firstWordIndex, withoutWord } from './args.js';

export interface CommandModule {
  /** One line for `gim --help`. */
  readonly summary: string;
  /** Runs the command with its own arguments; returns the exit code. */
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  train: async () => (await import('./commands/train.js')).command,
  info: async () => (await import('./commands/info.js')).command,
  data: async () => (await import('./commands/data.js')).command,
  eval: async () => (await import('./commands/eval.js')).command,
  experiment: async () => (await import('./commands/experiment.js')).command,
  demo: async () => (await import('./commands/demo.js')).command,
};

async function main(argv: string[]): Promise<number> {
  // Global flags may come before the command word (`gim --backend wasm train …`); the command
  // gets every other argument, in order, and parses them all itself.
  const at = firstWordIndex(argv);
  const name = at >= 0 ? argv[at] : undefined;
  const rest = at >= 0 ? withoutWord(argv, at) : argv;
  if (name === 'help' || (name === undefined && rest.length === 0)) return printHelp(name);
  if (name === undefined && (rest.includes('--help') || rest.includes('-h')))
    return printHelp('--help');
  if (name === undefined && rest.includes('--version')) {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(
      `gim: expected a command (${Object.keys(COMMANDS).join(', ')}) after ${rest.join(' ')}\n`,
    );
    return 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(
      `gim: unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(', ')}\n`,
    );
    return 2;
  }
  const command = await load();
  return command.run(rest);
}

async function printHelp(name: string | undefined): Promise<number> {
  process.stdout.write('usage: gim <command> [options]\n\ncommands:\n');
  for (const [cmd, load] of Object.entries(COMMANDS)) {
    let summary = '';
    try {
      summary = (await load()).summary;
    } catch {
      summary = '(not available in this build)';
    }
    process.stdout.write(`  ${cmd.padEnd(12)}${summary}\n`);
  }
  process.stdout.write(
    '\nRun `gim <command> --help` for the options of one command. Flags take `--flag value` or\n' +
      '`--flag=value` and may come before or after the command and subcommand words.\n',
  );
  return name === undefined ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof GimError) {
      // An unknown flag's message already starts with the command ("gim train: …").
      const prefix = err instanceof UnknownFlagError ? '' : 'gim: ';
      process.stderr.write(`${prefix}${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `gim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    }
  },
);
