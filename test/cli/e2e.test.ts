/**
 * Every documented `gim` command form, run end to end on tiny presets through the built CLI
 * (`npm run build` first): exit codes, files written, tables printed, checkpoint contents.
 * One synthetic corpus, generated in `before`, serves every audio test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './helpers.js';
import { loadCheckpoint } from '../../src/core/checkpoint.js';

/** A tiny audio model on the wasm backend (a few ms per step). */
const TINY_AUDIO = [
  '--preset',
  'tiny',
  '--channels',
  '8',
  '--set',
  'encoder.gruHidden=8',
  '--window=2560',
  '--batch-size',
  '2',
  '--backend',
  'wasm',
  '--quiet',
];
/** A tiny vision model; probes on a few images only. */
const TINY_VISION = ['--preset', 'vision-tiny', '--batch-size', '2', '--backend=wasm'];

let root = '';
let corpus = '';

function ok(args: string[]): CliResult {
  const r = runCli(args, 180_000);
  assert.equal(r.code, 0, `gim ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}

function logLines(dir: string): { step: number; loss: (number | null)[] }[] {
  return readFileSync(join(dir, 'train-log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function checkpointStep(dir: string): number {
  return loadCheckpoint<{ step: number }>(dir).meta.step;
}

/** The first speaker folder of a corpus in the LibriSpeech layout. */
function speakerDir(dir: string): string {
  return readdirSync(dir).find((f) => /^\d+$/.test(f))!;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'gim-e2e-'));
  corpus = join(root, 'corpus');
  // The flag before the subcommand word, on purpose.
  const r = ok([
    'data',
    '--out',
    corpus,
    'synth-speech',
    '--speakers',
    '3',
    '--seconds-per-speaker=4',
    '--seed',
    '5',
  ]);
  assert.match(r.stdout, /wrote \d+ utterances/);
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('gim data', () => {
  it('check and baseline on the generated corpus', () => {
    const check = ok(['data', 'check', corpus, '--window-samples', '2560']);
    assert.match(check.stdout, /speakers: 3\n/);
    assert.match(check.stdout, /problems: 0\n/);
    const baseline = ok(['data', '--seed=2', 'baseline', corpus]);
    assert.match(
      baseline.stdout,
      /speaker accuracy .*: \d+\.\d% over \d+ test windows, 3 speakers/,
    );
  });
});

describe('gim train (audio)', () => {
  it('simultaneous, then --resume to more steps', () => {
    const out = join(root, 'simultaneous');
    const r = ok(['train', ...TINY_AUDIO, '--data', corpus, '--steps', '2', '--out', out]);
    assert.match(r.stderr, /gim-6 \(6 modules\), .*corpus, backend wasm/);
    assert.equal(checkpointStep(out), 2);
    assert.ok(
      logLines(out).every((l) => l.loss.every((x) => x !== null)),
      'all modules step',
    );
    ok(['--backend', 'wasm', 'train', '--resume', out, '--steps=3', '--quiet']);
    assert.equal(checkpointStep(out), 3);
    assert.equal(logLines(out).length, 3);
  });

  it('--schedule sequential trains one module per step', () => {
    const out = join(root, 'sequential');
    const r = ok(
      ['train', ...TINY_AUDIO, '--data', corpus, '--schedule', 'sequential'].concat([
        '--steps-per-module',
        '1',
        '--steps',
        '2',
        '--out',
        out,
      ]),
    );
    const active = logLines(out).map((l) => l.loss.map((x) => x !== null));
    assert.deepEqual(active, [
      [true, false, false, false, false, false],
      [false, true, false, false, false, false],
    ]);
    // 2 steps at 1 per module reach 2 of the 6 modules: said, so nobody mistakes it for all six.
    assert.match(
      r.stderr,
      /note: --steps 2 trains 2 of 6 modules at --steps-per-module 1; .*--steps 6 for all/,
    );
  });

  it('--schedule=sequential --cache trains the next module from stored outputs', () => {
    const out = join(root, 'cached');
    ok(
      ['train', ...TINY_AUDIO, '--data', corpus, '--schedule=sequential', '--cache'].concat([
        '--steps-per-module',
        '1',
        '--steps',
        '2',
        '--out',
        out,
      ]),
    );
    assert.equal(checkpointStep(out), 2);
    assert.ok(readdirSync(join(out, 'cache')).length > 0, 'cache folder is empty');
    assert.deepEqual(
      logLines(out)[1]!.loss.map((x) => x !== null),
      [false, true, false, false, false, false],
    );
  });

  it('--update-periods steps module m every periods[m] steps', () => {
    const out = join(root, 'periods');
    ok(
      ['train', ...TINY_AUDIO, '--data', corpus, '--update-periods', '1,2,1,2,1,2'].concat([
        '--steps',
        '2',
        '--out',
        out,
      ]),
    );
    const active = logLines(out).map((l) => l.loss.map((x) => x !== null));
    assert.deepEqual(active[0], [true, true, true, true, true, true]);
    assert.deepEqual(active[1], [true, false, true, false, true, false]);
  });

  it('--resume DIR --add-module grows the stack and keeps earlier weights bit-identical', () => {
    const out = join(root, 'grow');
    ok([
      'train',
      ...TINY_AUDIO,
      '--data',
      corpus,
      '--set',
      'encoder.depth=2',
      '--steps',
      '2',
      '--out',
      out,
    ]);
    const before = loadCheckpoint(out).tensors;
    const r = ok([
      'train',
      '--resume',
      out,
      '--add-module',
      '--steps',
      '3',
      '--backend',
      'wasm',
      '--quiet',
    ]);
    assert.match(r.stderr, /\(3 modules\)/);
    const grown = loadCheckpoint(out).tensors;
    assert.ok(
      [...grown.keys()].some((k) => k.startsWith('module3.')),
      'no module 3 in the checkpoint',
    );
    for (const [name, t] of before)
      if (!name.includes('#'))
        assert.deepEqual(grown.get(name)!.values, t.values, `${name} changed`);
    assert.equal(checkpointStep(out), 3);
  });
});

describe('gim train (vision)', () => {
  it('--modality vision and --modality=vision train and save', () => {
    for (const [i, form] of [['--modality', 'vision'], ['--modality=vision']].entries()) {
      const out = join(root, `vision-${i}`);
      const r = ok(['train', ...form, ...TINY_VISION, '--steps', '2', '--quiet', '--out', out]);
      assert.match(r.stderr, /gim train \(vision\): gim infonce \(3 modules\)/);
      assert.equal(checkpointStep(out), 2);
      assert.equal(logLines(out).length, 2);
    }
  });

  it('--schedule sequential --cache trains each stage from the cache of the one below', () => {
    const out = join(root, 'vision-cache');
    const r = ok([
      'train',
      '--modality',
      'vision',
      ...TINY_VISION,
      '--schedule',
      'sequential',
      '--cache',
      '--set',
      'cache.images=6',
      '--steps-per-module',
      '1',
      '--steps',
      '3',
      '--quiet',
      '--out',
      out,
    ]);
    const active = logLines(out).map((l) => l.loss.map((x) => x !== null));
    assert.deepEqual(active, [
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
    for (const m of [1, 2]) {
      // Even with --quiet: a cache build may take minutes and much disk.
      assert.ok(
        r.stderr.includes(
          `gim train: caching module ${m} outputs (6 items) in ${join(out, 'cache', `module${m}`)}\n`,
        ),
        r.stderr,
      );
      const manifest = JSON.parse(
        readFileSync(join(out, 'cache', `module${m}`, 'manifest.json'), 'utf8'),
      ) as { items: number; itemShape: number[] };
      assert.equal(manifest.items, 6); // one item per image: its 7×7 patch grid of maps
      assert.equal(manifest.itemShape[0], 49);
    }
  });

  it('--update-periods steps module m every p_m batches', () => {
    const out = join(root, 'vision-periods');
    ok([
      'train',
      '--modality',
      'vision',
      ...TINY_VISION,
      '--update-periods',
      '1,2,4',
      '--steps',
      '2',
      '--quiet',
      '--out',
      out,
    ]);
    const active = logLines(out).map((l) => l.loss.map((x) => x !== null));
    assert.deepEqual(active, [
      [true, true, true],
      [true, false, false],
    ]);
  });

  it('--resume DIR --add-module grows the stack and keeps earlier weights bit-identical', () => {
    const out = join(root, 'vision-grow');
    ok([
      'train',
      '--modality',
      'vision',
      ...TINY_VISION,
      '--set',
      'encoder.depth=2',
      '--steps',
      '1',
      '--quiet',
      '--out',
      out,
    ]);
    const before = loadCheckpoint(out).tensors;
    const r = ok(['train', '--resume', out, '--add-module', '--steps', '2', '--backend=wasm']);
    assert.match(r.stderr, /gim train \(vision\): gim infonce \(3 modules\)/);
    const grown = loadCheckpoint(out).tensors;
    assert.ok(
      [...grown.keys()].some((k) => k.startsWith('module3.')),
      'no module 3',
    );
    for (const [name, t] of before)
      if (!name.includes('#'))
        assert.deepEqual(grown.get(name)!.values, t.values, `${name} changed`);
    assert.deepEqual(
      logLines(out).map((l) => l.loss.map((x) => x !== null)),
      [
        [true, true],
        [false, false, true],
      ],
    );
  });

  it('--strict stays audio-only (vision data has no per-item skipping)', () => {
    const r = runCli(['train', '--modality', 'vision', '--strict', '--steps', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--strict: expected a flag of audio training/);
  });
});

describe('gim eval', () => {
  it('on an audio checkpoint prints the probe table', () => {
    const out = join(root, 'eval-audio');
    ok(['train', ...TINY_AUDIO, '--data', corpus, '--steps', '1', '--out', out]);
    const r = ok(['eval', '--checkpoint', out, '--epochs=1', '--backend', 'wasm']);
    assert.match(
      r.stdout,
      /^module {4}dim {4}speaker ± SE {6}phone ± SE\n {5}6 +\d+ +\d+\.\d % +\d+\.\d %\n/,
    );
    assert.doesNotMatch(r.stdout, /NaN/);
  });

  it('on a vision checkpoint (recognised from the checkpoint) prints one row per stage', () => {
    const out = join(root, 'eval-vision');
    ok(['train', '--modality', 'vision', ...TINY_VISION, '--steps', '1', '--quiet', '--out', out]);
    const json = join(root, 'eval-vision.json');
    const r = ok(
      ['--backend', 'wasm', 'eval', '--checkpoint', out, '--epochs', '1'].concat([
        '--train-images',
        '32',
        '--test-images',
        '32',
        '--out',
        json,
      ]),
    );
    for (const [module, channels] of [
      [1, 8],
      [2, 16],
      [3, 32],
    ])
      assert.match(
        r.stdout,
        new RegExp(`module ${module} \\(${channels} ch\\): top-1 \\d+\\.\\d+%`),
      );
    assert.equal(JSON.parse(readFileSync(json, 'utf8')).modules.length, 3);
  });
});

describe('gim experiment', () => {
  it('audio: the name after the flags, a table of the methods, results files', () => {
    const out = join(root, 'experiment-audio');
    const r = ok(
      ['experiment', '--data', corpus, '--out', out, '--backend', 'wasm', 'audio'].concat([
        '--preset',
        'demo-tiny',
        '--methods=random,gim',
        '--steps',
        '2',
        '--curve',
        '1,2',
      ]),
    );
    assert.match(r.stdout, /\| Random initialization \|/);
    assert.match(
      r.stdout,
      // One test utterance here: no SE (no "±"), as a single cluster has none.
      /\| Greedy InfoMax \(GIM\) \| \d+ \| [\d.]+ \| [\d.]+ \| gim-6 \| 2 \| 2 \|/,
    );
    for (const f of ['results.md', 'results.json', 'per-module-speaker.svg', 'curve-phone.svg'])
      assert.ok(existsSync(join(out, f)), f);
    assert.equal(checkpointStep(join(out, 'checkpoints', 'gim')), 2);
    assert.equal(checkpointStep(join(out, 'checkpoints', 'curve', 'gim', 'step-1')), 1);
  });

  it('vision: `gim experiment --backend wasm vision` (the reported bug) runs its methods', () => {
    const out = join(root, 'experiment-vision');
    const r = ok(
      ['experiment', '--backend', 'wasm', 'vision', '--steps', '1', '--batch-size', '2']
        .concat([
          '--methods',
          'gim,random',
          '--set',
          'probe.epochs=1',
          '--set',
          'probe.trainImages=32',
        ])
        .concat(['--set', 'probe.testImages=32', '--out', out]),
    );
    assert.match(r.stdout, /GIM/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).results;
    assert.deepEqual(
      results.map((x: { method: string }) => x.method),
      ['gim', 'random'],
    );
    assert.ok(existsSync(join(out, 'per-module-accuracy.svg')));
  });
});

describe('gim info', () => {
  it('audio: the paper model per module, flags before the command', () => {
    const r = ok(['--backend=wasm', 'info']);
    assert.match(r.stdout, /^backend: wasm/m);
    assert.match(r.stdout, /model: audio, layout gim-6/);
    for (const count of ['5,632', '2,097,664', '1,049,088', '591,360', '3,145,728', '1,572,864'])
      assert.ok(r.stdout.includes(count), count);
  });

  it('vision: --modality vision and --preset vision-paper give the paper per-module counts', () => {
    for (const args of [
      ['info', '--modality', 'vision'],
      ['info', '--preset=vision-paper'],
    ]) {
      const r = ok([...args, '--backend', 'wasm']);
      assert.match(r.stdout, /model: vision, layout gim, bottleneck blocks 3\/4\/6/);
      assert.match(r.stdout, /^1 +stem\+stage1 +7×7×256 +216,064 /m);
      assert.match(r.stdout, /^2 +stage2 +7×7×512 +1,216,000 /m);
      assert.match(r.stdout, /^3 +stage3 +7×7×1024 +7,088,128 /m);
    }
  });
});

describe('gim demo', () => {
  it('with the tiny preset: backend, a measured estimate, then the table', () => {
    const out = join(root, 'demo');
    const r = ok([
      'demo',
      '--preset',
      'demo-tiny',
      '--data',
      corpus,
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    assert.match(r.stderr, /^gim demo: backend wasm \(/m);
    assert.match(
      r.stderr,
      /a training step takes \d+\.\d\d s \(GIM\) \/ \d+\.\d\d s \(CPC\) on wasm here \(timed\)/,
    );
    assert.match(r.stderr, /expected ~\d+(\.\d)? min in total/);
    assert.match(r.stdout, /\| Random initialization \|/);
    assert.match(r.stdout, /\| Greedy InfoMax \(GIM\) \|/);
    assert.ok(existsSync(join(out, 'results.md')));
  });
});

describe('--strict (data.strict)', () => {
  it('skips an unreadable utterance by default and stops on it with --strict', () => {
    const broken = join(root, 'broken-corpus');
    cpSync(corpus, broken, { recursive: true });
    const victim = readdirSync(join(broken, speakerDir(broken)), { recursive: true })
      .map(String)
      .find((f) => f.endsWith('.flac'))!;
    writeFileSync(join(broken, speakerDir(broken), victim), 'not audio');
    const train = ['train', ...TINY_AUDIO, '--data', broken, '--steps', '1'];
    const lenient = ok([...train, '--out', join(root, 'lenient')]);
    assert.match(lenient.stderr, /skipped 1 unreadable utterance/);
    const stopped = [
      runCli([...train, '--strict', '--out', join(root, 'strict')]),
      runCli(['experiment', 'audio', '--strict', '--data', broken, '--out', join(root, 'x')]),
      runCli(['eval', '--checkpoint', join(root, 'lenient'), '--data', broken, '--strict']),
      runCli([
        'demo',
        '--strict',
        '--preset',
        'demo-tiny',
        '--data',
        broken,
        '--out',
        join(root, 'y'),
      ]),
    ];
    for (const r of stopped) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /\.flac: not a FLAC file/);
    }
  });
});

describe('flag mistakes', () => {
  it('name the flag and the command', () => {
    const cases: [string[], RegExp][] = [
      [
        ['train', '--modality', 'vision', '--bogus'],
        /^gim train: unknown flag --bogus; see gim train --help$/m,
      ],
      [
        ['experiment', '--backend', 'wasm', 'visio'],
        /expected the experiment name "audio" or "vision", found "visio"/,
      ],
      [
        ['experiment', 'vision', '--settings', 'probe.json'],
        /^gim experiment vision: unknown flag --settings; see gim experiment vision --help$/m,
      ],
      [['--backend', 'wasm'], /expected a command/],
      [['data', '--bogus', 'check', corpus], /gim data: Unknown option '--bogus'/],
      [['info', '--modality', 'video'], /--modality: expected "audio" or "vision", found "video"/],
    ];
    for (const [args, pattern] of cases) {
      const r = runCli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, pattern, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
