import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers.js';
import { AUDIO_ARGS } from './training-process.js';

const MICRO = fileURLToPath(new URL('../fixtures/librispeech-micro', import.meta.url));

it('gim train writes a checkpoint and a JSONL log, and --resume continues to --steps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-cli-train-'));
  const out = join(dir, 'run');
  try {
    const first = runCli(['train', ...AUDIO_ARGS, '--steps', '2', '--out', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /gim-6 \(6 modules\), generated tones, backend wasm/);
    const log = readFileSync(join(out, 'train-log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(log.length, 2);
    assert.equal(log[0].loss.length, 6);
    assert.ok(log[0].loss.every((l: number) => Math.abs(l - Math.log(11)) < 0.5));
    // --out naming the resumed folder itself is allowed (only another folder is refused).
    const resumed = runCli([
      'train',
      '--resume',
      out,
      '--out',
      out,
      '--steps',
      '3',
      '--backend',
      'wasm',
      '--quiet',
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /steps 2→3/);
    assert.equal(readFileSync(join(out, 'train-log.jsonl'), 'utf8').trim().split('\n').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('bad input: clear errors, non-zero exit, existing checkpoint untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-cli-bad-'));
  const out = join(dir, 'run');
  try {
    assert.equal(runCli(['train', ...AUDIO_ARGS, '--steps', '1', '--out', out]).code, 0);
    const before = statSync(join(out, 'checkpoint.gim')).mtimeMs;
    const cases: [string[], RegExp][] = [
      [
        ['train', '--stpes', '3'],
        /^gim train: unknown flag --stpes \(did you mean --steps\?\); see gim train --help\n$/,
      ],
      [['train', '--qqqqqq'], /^gim train: unknown flag --qqqqqq; see gim train --help\n$/],
      [
        ['train', '--set', 'train.stepz=3'],
        /train\.stepz: expected one of the known keys \(.*\), found "stepz" \(did you mean "steps"\?\)/,
      ],
      [
        ['train', '--resume', out, '--out', join(dir, 'other'), '--steps', '5'],
        /--out: expected no --out with --resume \(a resumed run saves into its own folder\), found ".*other"/,
      ],
      [
        ['train', '--resume', out, '--steps', '1', '--backend', 'wasm'],
        /--steps: expected more than the checkpoint's 1 steps to continue, found 1\n/,
      ],
      [
        // The fixture has 2 training utterances; the tiny preset asks for batches of 8.
        [
          'train',
          '--preset',
          'tiny',
          '--data',
          MICRO,
          '--steps',
          '1',
          '--backend',
          'wasm',
          '--out',
          join(dir, 'micro'),
        ],
        new RegExp(
          `${MICRO}: training split: expected at least 8 utterances for a batch of 8 \\(one window per utterance per epoch\\), found 2; use --batch-size 2 or fewer, or a larger corpus`,
        ),
      ],
      [['train', '--steps', 'many'], /--steps: train\.steps: expected a number, found "many"/],
      [
        ['train', '--preset', 'nope'],
        // Model presets only: experiment and probe settings are not models.
        /--preset: expected one of (?!.*experiment-demo)(?!.*probe-demo).*tiny.*, found "nope"/,
      ],
      [['train', '--window', '100', '--steps', '1'], /loss\.predictionSteps: expected fewer than/],
      [
        ['train', ...AUDIO_ARGS, '--steps', '1', '--out', out],
        /--out: expected a directory without a checkpoint/,
      ],
      [
        ['train', '--resume', out, '--channels', '9'],
        /encoder\.channels is 8 in the checkpoint but 9 was requested/,
      ],
      [
        ['train', '--resume', join(dir, 'missing')],
        /checkpoint .*missing\/checkpoint\.gim: no such file/,
      ],
      [['train', '--data', join(dir, 'no-corpus'), '--steps', '1'], /no-corpus/],
      [['info', '--backend', 'gpu'], /unknown backend "gpu"/],
    ];
    for (const [args, pattern] of cases) {
      const r = runCli(args);
      assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
      assert.match(r.stderr, pattern, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.equal(statSync(join(out, 'checkpoint.gim')).mtimeMs, before, 'checkpoint was modified');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('gim info prints the backend and the paper per-module parameter counts', () => {
  const r = runCli(['info', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /backend: wasm/);
  assert.match(r.stdout, /threads: 1/);
  for (const count of ['5,632', '2,097,664', '1,049,088', '591,360', '3,145,728', '1,572,864'])
    assert.ok(r.stdout.includes(count), count);
});

it('--cache keeps other cache settings given with --set', async () => {
  const { resolveRunConfig } = await import('../../src/cli/commands/train.js');
  const config = resolveRunConfig(
    { cache: true, schedule: 'sequential', set: ['cache.draws=5', 'cache.dtype=float32'] },
    undefined,
    false,
  );
  assert.equal(config.cache.enabled, true);
  assert.equal(config.cache.draws, 5);
  assert.equal(config.cache.dtype, 'float32');
});
