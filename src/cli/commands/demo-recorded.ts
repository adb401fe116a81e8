/**
 * What the demo prints at its end about the longer recorded run (docs/results.md): so that a
 * newcomer who just watched a 15-minute run sees where more training got, with the same probes,
 * from a committed result file rather than from a claim in the code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../errors.js';

/** One method's final-module accuracies: [mean or single value, its SE], fractions in [0, 1]. */
export interface RecordedRow {
  readonly name: string;
  readonly dim: number;
  readonly phone: readonly [number, number];
  readonly speaker: readonly [number, number];
}

export interface RecordedRun {
  readonly title: string;
  readonly date: string;
  readonly commit: string;
  readonly command: string;
  readonly rows: readonly RecordedRow[];
}

/** docs/results-data/recorded-run.json beside src/ or dist/ (both sit three folders below the root). */
export const RECORDED_RUN_FILE = fileURLToPath(
  new URL('../../../docs/results-data/recorded-run.json', import.meta.url),
);

function isPair(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number');
}

/** The recorded run, or null when the file is absent (a package without docs/). */
export function readRecordedRun(file = RECORDED_RUN_FILE): RecordedRun | null {
  if (!existsSync(file)) return null;
  let run: RecordedRun;
  try {
    run = JSON.parse(readFileSync(file, 'utf8')) as RecordedRun;
  } catch (err) {
    throw new DataError(file, `not valid JSON (${(err as Error).message})`);
  }
  const rowsOk =
    Array.isArray(run?.rows) &&
    run.rows.every(
      (r) =>
        typeof r?.name === 'string' &&
        typeof r.dim === 'number' &&
        isPair(r.phone) &&
        isPair(r.speaker),
    );
  const textOk = ['title', 'date', 'commit', 'command'].every(
    (k) => typeof (run as unknown as Record<string, unknown>)?.[k] === 'string',
  );
  if (!textOk || !rowsOk)
    throw new DataError(
      file,
      'expected {title, date, commit, command, rows: [{name, dim, phone: [acc, se], speaker: [acc, se]}]}',
    );
  return run;
}

const pct = ([acc, se]: readonly [number, number]): string =>
  `${(100 * acc).toFixed(1)} ± ${(100 * se).toFixed(1)}`;

/** The lines the demo prints. */
export function recordedRunLines(run: RecordedRun): string[] {
  const width = Math.max(...run.rows.map((r) => r.name.length));
  return [
    `${run.title} (${run.date}, commit ${run.commit}; docs/results.md):`,
    `  ${'method'.padEnd(width)}  ${'dim'.padStart(4)}  ${'phone %'.padStart(11)}  ${'speaker %'.padStart(11)}`,
    ...run.rows.map(
      (r) =>
        `  ${r.name.padEnd(width)}  ${String(r.dim).padStart(4)}  ${pct(r.phone).padStart(11)}  ${pct(r.speaker).padStart(11)}`,
    ),
    `  reproduce: ${run.command}`,
  ];
}
