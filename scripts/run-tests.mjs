#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in runner through tsx.
// Node 20's --test does not expand globs, so we list the files ourselves.
// Ends with one line naming every skipped test or suite and why; under CI (CI=true), where
// every dependency is installed, any skip fails the run.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = findTests('test');
if (filter.length > 0) files = files.filter((f) => filter.some((s) => f.includes(s)));

const scratch = mkdtempSync(join(tmpdir(), 'gim-test-run-'));
const skipFile = join(scratch, 'skips.jsonl');
// Node's default reporter (spec on a terminal, TAP otherwise) plus our skip collector.
const mainReporter = process.stdout.isTTY ? 'spec' : 'tap';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-reporter=${mainReporter}`,
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/skip-reporter.mjs',
    `--test-reporter-destination=${skipFile}`,
    ...files,
  ],
  { stdio: 'inherit' },
);

let skips = [];
try {
  skips = readFileSync(skipFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
} catch {
  // No file: the runner wrote no skip (or did not start; its exit status says so).
}
rmSync(scratch, { recursive: true, force: true });

let status = result.status ?? 1;
if (skips.length === 0) {
  console.log('skipped: none');
} else {
  // One line, grouped by reason (30 native suites share one reason).
  const byReason = new Map();
  for (const s of skips) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.name]);
  const list = [...byReason]
    .map(([reason, names]) => `${reason} (${names.length}: ${names.join(', ')})`)
    .join('; ');
  console.log(`skipped: ${skips.length} — ${list}`);
  if (process.env.CI) {
    console.log('CI: every dependency is installed here, so nothing may skip; failing the run');
    if (status === 0) status = 1;
  }
}
process.exit(status);
