/**
 * `gim experiment vision` through the built CLI (`npm run build` first): the documented flags,
 * per-seed rows with a summary, learning-curve files, and clear errors for bad lists.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'gim-experiment-vision-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Two steps of batch 2 on wasm; probes of one epoch on 16 + 16 images. */
const TINY = ['--backend', 'wasm', '--steps', '2', '--batch-size', '2'].concat([
  '--set',
  'probe.epochs=1',
  '--set',
  'probe.trainImages=16',
  '--set',
  'probe.testImages=16',
]);

describe('gim experiment vision', () => {
  it('--help names the methods, --seeds and --curve', () => {
    const r = runCli(['experiment', 'vision', '--help']);
    assert.equal(r.code, 0);
    for (const word of ['raw-pixels', 'gim-sequential-full', '--seeds', '--curve'])
      assert.ok(r.stdout.includes(word), word);
  });

  it('--seeds 1,2 --curve 1: a row per seed, a mean ± sd summary, curve.json and curve.svg', () => {
    const out = join(root, 'run');
    const r = runCli(
      ['experiment', 'vision', ...TINY, '--methods', 'raw-pixels,gim', '--seeds', '1,2'].concat([
        '--curve',
        '1',
        '--out',
        out,
      ]),
      240_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(
      json.results.map((x: { method: string; seed: number }) => `${x.method} ${x.seed}`),
      ['raw-pixels 1', 'gim 1', 'raw-pixels 2', 'gim 2'],
    );
    assert.deepEqual(
      json.summary.map((s: { method: string; seeds: number[] }) => [s.method, s.seeds]),
      [
        ['raw-pixels', [1, 2]],
        ['gim', [1, 2]],
      ],
    );
    assert.match(r.stdout, /\| Raw pixels \| 1 \| [\d.]+ ± [\d.]+ \| 784 \|/);
    assert.match(r.stdout, /mean ± sd/);
    const curve = JSON.parse(readFileSync(join(out, 'curve.json'), 'utf8'));
    assert.deepEqual(curve.steps, [1, 2]);
    assert.equal(curve.curves.length, 2, 'gim at seeds 1 and 2');
    assert.ok(existsSync(join(out, 'curve.svg')));
  });

  it('refuses a curve step past --steps and a malformed --seeds list, naming the flag', () => {
    const beyond = runCli(['experiment', 'vision', ...TINY, '--curve', '1,5', '--out', root]);
    assert.notEqual(beyond.code, 0);
    assert.match(beyond.stderr, /--curve: expected steps at most the training steps \(2\)/);
    const bad = runCli(['experiment', 'vision', ...TINY, '--seeds', '1,x', '--out', root]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--seeds: expected a comma list of integers >= 0, found "1,x"/);
  });
});
