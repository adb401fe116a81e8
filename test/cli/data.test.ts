/** Black-box tests of the built `gim data` command (run `npm run build` first; `npm test` does). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const MICRO = join(ROOT, 'test/fixtures/librispeech-micro');

function gim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  assert.ok(
    existsSync(join(ROOT, 'dist/cli/commands/data.js')),
    `${CLI} is not built: run \`npm run build\` first`,
  );
  const r = spawnSync(process.execPath, [CLI, 'data', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let espeakMissing: string | false = false;
try {
  await import('@echogarden/espeak-ng-emscripten' as string);
} catch {
  espeakMissing = 'optional @echogarden/espeak-ng-emscripten is not installed';
}

describe('gim data', () => {
  it('prints help with every subcommand', () => {
    const r = gim('--help');
    assert.equal(r.code, 0);
    for (const sub of ['synth-speech', 'check', 'baseline'])
      assert.match(r.stdout, new RegExp(`^  ${sub} `, 'm'));
    assert.equal(gim().code, 2);
  });

  it('checks the micro corpus: counts, labels, short files', () => {
    const r = gim('check', MICRO);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /speakers: 2\n/);
    assert.match(r.stdout, /phone classes: 40\n/);
    assert.match(r.stdout, /train: 1 utterances, 0\.02 min, labels on 100\.0% of 10 ms frames/);
    assert.match(r.stdout, /skipped as too short for a 20480-sample window: 2\n/);
    assert.match(gim('check', MICRO, '--window-samples', '3200').stdout, /train: 2 utterances/);
  });

  it('reports a broken file with exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gim-cli-data-'));
    cpSync(MICRO, dir, { recursive: true });
    writeFileSync(join(dir, '1001/10/1001-10-0000.flac'), 'not audio');
    const r = gim('check', dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /problems: 1\n\s+1001-10-0000: .*1001-10-0000\.flac: not a FLAC file/);
  });

  it('finds a corrupt FLAC body with --decode when files are decoded on demand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gim-cli-data-'));
    cpSync(MICRO, dir, { recursive: true });
    const file = join(dir, '1001/10/1001-10-0001.flac');
    const bytes = readFileSync(file);
    for (let i = 2000; i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0x5a;
    writeFileSync(file, bytes);
    // The header is intact, so only decoding finds the damage.
    const r = gim('check', dir, '--decode');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /problems: 1\n\s+1001-10-0001: .*FLAC decode/);
  });

  it('rejects unknown flags and subcommands with exit code 2', () => {
    const r = gim('check', MICRO, '--bogus');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--bogus'/);
    assert.equal(gim('nonsense').code, 2);
    assert.match(gim('synth-speech').stderr, /--out DIR is required/);
  });

  it('generates a small corpus with progress', { skip: espeakMissing }, () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gim-cli-synth-')), 'corpus');
    const r = gim(
      'synth-speech',
      '--out',
      out,
      '--speakers',
      '2',
      '--seconds-per-speaker',
      '2',
      '--seed',
      '3',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /speaker 2\/2/);
    assert.match(r.stdout, /wrote \d+ utterances/);
    assert.equal(JSON.parse(readFileSync(join(out, 'corpus.json'), 'utf8')).seed, 3);
    assert.equal(gim('check', out, '--window-samples', '3200').code, 0);
  });
});
