import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RECORDED_RUN_FILE,
  readRecordedRun,
  recordedRunLines,
} from '../../src/cli/commands/demo-recorded.js';
import { DataError } from '../../src/errors.js';

it('the committed recorded run parses and prints one line per method with ± SE', () => {
  const run = readRecordedRun(RECORDED_RUN_FILE);
  assert.ok(run, `${RECORDED_RUN_FILE} is committed`);
  const lines = recordedRunLines(run);
  assert.equal(lines.length, run.rows.length + 3);
  for (const r of run.rows)
    assert.ok(
      lines.some((l) => l.includes(r.name)),
      r.name,
    );
  assert.match(lines.join('\n'), /\d+\.\d ± \d+\.\d/);
});

it('formats a hand-made run, and a bad file is a DataError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gim-recorded-'));
  try {
    const file = join(dir, 'r.json');
    writeFileSync(
      file,
      JSON.stringify({
        title: 'T',
        date: 'd',
        commit: 'c',
        command: 'gim x',
        rows: [{ name: 'GIM', dim: 64, phone: [0.5, 0.01], speaker: [0.25, 0.02] }],
      }),
    );
    const lines = recordedRunLines(readRecordedRun(file)!);
    assert.match(lines[2]!, /GIM\s+64\s+50\.0 ± 1\.0\s+25\.0 ± 2\.0/);
    assert.equal(readRecordedRun(join(dir, 'absent.json')), null);
    writeFileSync(file, JSON.stringify({ title: 'T', commit: 'c', rows: [{ name: 'x' }] }));
    assert.throws(
      () => readRecordedRun(file),
      (e: unknown) => e instanceof DataError && String(e).includes(file),
    );
    writeFileSync(file, '{');
    assert.throws(() => readRecordedRun(file), DataError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
