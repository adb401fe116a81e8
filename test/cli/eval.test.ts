import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the CLI from source (black box: only exit code and output are checked). */
function gim(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

it('gim eval without --checkpoint names the flag', () => {
  const r = gim('eval');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--checkpoint: expected a checkpoint folder/);
});

it('gim eval on a missing checkpoint folder says so', () => {
  const r = gim('eval', '--checkpoint', '/nonexistent/run');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /\/nonexistent\/run: checkpoint folder does not exist/);
});

it('gim eval on a folder without a checkpoint, and on a corrupt checkpoint, fails clearly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-eval-'));
  try {
    let r = gim('eval', '--checkpoint', dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /checkpoint\.gim: no such file/);
    writeFileSync(join(dir, 'checkpoint.gim'), 'not a checkpoint at all');
    r = gim('eval', '--checkpoint', dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not a greedy-infomax checkpoint/);
    mkdirSync(join(dir, 'x'));
    r = gim('eval', '--checkpoint', join(dir, 'x'), '--probe', 'words');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--probe: expected speaker \| phone \| both, found "words"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
