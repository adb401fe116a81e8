/**
 * Summary of an audio experiment run with several model seeds: per method and module, the mean
 * and the sample standard deviation of the probe accuracy across seeds, and the mean of the
 * per-seed standard errors (the test-set noise of one run, to set the seed spread against).
 */
import type { AudioMethod, ExperimentRow } from './experiment.js';
import type { ProbeResult } from '../probe/linear-probe.js';

export interface SeedStat {
  /** Seeds that have this probe. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation across seeds (n − 1 in the denominator); NaN for one seed. */
  readonly sd: number;
  /** Mean over seeds of each run's standard error. */
  readonly meanStandardError: number;
}

export interface ModuleSeedSummary {
  readonly module: number;
  readonly dim: number;
  readonly speaker: SeedStat | null;
  readonly phone: SeedStat | null;
}

export interface MethodSeedSummary {
  readonly method: AudioMethod;
  readonly name: string;
  readonly seeds: readonly number[];
  /** Entry m: module m + 1 (only the final module when probed without perModule). */
  readonly modules: readonly ModuleSeedSummary[];
}

/** Mean, sample sd and mean SE of the accuracies (NaN fields for none). */
export function seedStat(results: readonly ProbeResult[]): SeedStat {
  const n = results.length;
  const mean = results.reduce((a, r) => a + r.accuracy, 0) / n;
  const squares = results.reduce((a, r) => a + (r.accuracy - mean) ** 2, 0);
  return {
    n,
    mean,
    sd: n > 1 ? Math.sqrt(squares / (n - 1)) : Number.NaN,
    meanStandardError: results.reduce((a, r) => a + r.standardError, 0) / n,
  };
}

/** Rows grouped by method (in order of first appearance), aggregated module by module. */
export function summarizeSeeds(rows: readonly ExperimentRow[]): MethodSeedSummary[] {
  const byMethod = new Map<AudioMethod, ExperimentRow[]>();
  for (const row of rows) byMethod.set(row.method, [...(byMethod.get(row.method) ?? []), row]);
  return [...byMethod.values()].map((runs) => {
    const first = runs[0]!;
    return {
      method: first.method,
      name: first.name,
      seeds: runs.map((r) => r.seed),
      modules: first.modules.map((m, i) => {
        const probes = (kind: 'speaker' | 'phone'): SeedStat | null => {
          const results = runs
            .map((r) => r.modules[i]?.[kind])
            .filter((p): p is ProbeResult => !!p);
          return results.length > 0 ? seedStat(results) : null;
        };
        return { module: m.module, dim: m.dim, speaker: probes('speaker'), phone: probes('phone') };
      }),
    };
  });
}

/** "38.9 ± 1.5 (SE 1.2)": mean ± sd across seeds, with the mean SE of one run, in %. */
export function formatSeedStat(s: SeedStat | null): string {
  if (!s) return '–';
  const sd = Number.isFinite(s.sd) ? ` ± ${(100 * s.sd).toFixed(1)}` : '';
  // One test utterance has no SE: say nothing rather than "NaN".
  const se = Number.isFinite(s.meanStandardError)
    ? ` (SE ${(100 * s.meanStandardError).toFixed(1)})`
    : '';
  return `${(100 * s.mean).toFixed(1)}${sd}${se}`;
}

/** Final module per method: mean ± sd across seeds, mean SE, feature width, seeds. */
export function seedSummaryTable(summaries: readonly MethodSeedSummary[]): string {
  const lines = [
    '| method | dim | phone acc. % mean ± sd (mean SE) | speaker acc. % mean ± sd (mean SE) | seeds |',
    '|---|---|---|---|---|',
  ];
  for (const s of summaries) {
    const last = s.modules[s.modules.length - 1];
    lines.push(
      `| ${s.name} | ${last?.dim ?? '–'} | ${formatSeedStat(last?.phone ?? null)} | ${formatSeedStat(last?.speaker ?? null)} | ${s.seeds.join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/** Per module: mean ± sd across seeds (mean SE) of one probe; single-module methods in the last column. */
export function seedPerModuleTable(
  summaries: readonly MethodSeedSummary[],
  probe: 'speaker' | 'phone',
): string {
  const width = Math.max(...summaries.map((s) => s.modules.length));
  const names =
    width === 1 ? ['final module'] : Array.from({ length: width }, (_, m) => `module ${m + 1}`);
  const lines = [`| method | ${names.join(' | ')} |`, `|---|${'---|'.repeat(width)}`];
  for (const s of summaries) {
    // A method with fewer modules than the widest (CPC, MFCC) is drawn at the last column.
    const offset = width - s.modules.length;
    const cells = Array.from({ length: width }, (_, m) =>
      m < offset ? '–' : formatSeedStat(s.modules[m - offset]?.[probe] ?? null),
    );
    lines.push(`| ${s.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
