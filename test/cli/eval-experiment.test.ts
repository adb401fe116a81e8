import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

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
