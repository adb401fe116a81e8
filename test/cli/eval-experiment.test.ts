import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function gim(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

it('gim experiment: the experiment name, --data and --out are required; unknown methods are named', () => {
  let r = gim('experiment', 'speech', '--data', 'x', '--out', 'y');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /expected the experiment name "audio" or "vision"/);
  r = gim('experiment', 'audio', '--out', 'y');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--data: expected a corpus folder/);
  r = gim(
    'experiment',
    'audio',
    '--data',
    'test/fixtures/librispeech-micro',
    '--out',
    '/tmp/gim-never',
    '--methods',
    'gim,magic',
  );
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /methods: expected entries from random, mfcc, cpc, gim, supervised, greedy-supervised, found "magic"/,
  );
});

it('gim demo --help and gim eval --help describe the commands', () => {
  const demo = gim('demo', '--help');
  assert.equal(demo.status, 0);
  assert.match(demo.stdout, /builds the synthetic speech corpus/);
  const ev = gim('eval', '--help');
  assert.equal(ev.status, 0);
  assert.match(ev.stdout, /--per-module/);
});

it('gim experiment audio --seeds --curve: per-seed rows, a summary across seeds, curve files', () => {
  const out = mkdtempSync(join(tmpdir(), 'gim-seeds-'));
  try {
    const r = gim(
      'experiment',
      'audio',
      '--data',
      'test/fixtures/librispeech-micro',
      '--out',
      out,
      '--preset',
      'demo-tiny',
      '--methods',
      'mfcc,gim',
      '--seeds',
      '1,2',
      '--curve',
      '1,2',
      '--backend',
      'wasm',
    );
    assert.equal(r.status, 0, r.stderr);
    // Every row: dim, phone and speaker accuracy ± SE.
    assert.match(
      r.stdout,
      /\| Greedy InfoMax \(GIM\) \| 8 \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| gim-6 \| 2 \| 2 \|/,
    );
    assert.match(
      r.stdout,
      /\| MFCC features \| 39 \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| – \| 1 \|/,
    );
    assert.match(r.stdout, /across seeds/);
    assert.match(
      r.stdout,
      /\| Greedy InfoMax \(GIM\) \| 8 \| [\d.]+ ± [\d.]+ \(SE [\d.]+\) \| [\d.]+ ± [\d.]+ \(SE [\d.]+\) \| 1, 2 \|/,
    );
    assert.match(r.stdout, /speaker 20 windows of 2 utterances/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(results.rows.length, 4, 'every per-seed row');
    assert.deepEqual(results.settings.seeds, [1, 2]);
    assert.equal(results.summary.length, 2);
    const curve = JSON.parse(readFileSync(join(out, 'curve.json'), 'utf8'));
    assert.deepEqual(
      curve.curves.map((c: { method: string; seed: number; curve: { step: number }[] }) => [
        c.method,
        c.seed,
        c.curve.map((p) => p.step),
      ]),
      [
        ['gim', 1, [1, 2]],
        ['gim', 2, [1, 2]],
      ],
    );
    for (const f of ['curve-phone.svg', 'curve-speaker.svg', 'results.md'])
      assert.ok(existsSync(join(out, f)), f);
    assert.match(readFileSync(join(out, 'curve-phone.svg'), 'utf8'), /stroke-dasharray/);
    assert.ok(
      existsSync(join(out, 'checkpoints', 'curve', 'gim-seed2', 'step-1', 'checkpoint.gim')),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('gim experiment audio: --seeds and --curve take comma-separated integers', () => {
  const r = gim(
    'experiment',
    'audio',
    '--data',
    'test/fixtures/librispeech-micro',
    '--out',
    '/tmp/gim-never',
    '--seeds',
    '1,two',
  );
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--seeds: expected comma-separated integers, e\.g\. 1,2,3, found "1,two"/);
  const h = gim('experiment', '--help');
  assert.match(h.stdout, /--seeds LIST/);
  assert.match(h.stdout, /--curve LIST/);
});
