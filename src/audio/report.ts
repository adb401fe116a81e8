/**
 * Results of an audio experiment as Markdown tables (accuracy ± standard error, feature width)
 * and per-module SVG plots (error rate per
 * module on a log axis, like the paper's figure, spec §5.4, drawn by probe/plot.ts).
 */
import type { ExperimentRow } from './experiment.js';
import type { ProbeResult } from '../probe/linear-probe.js';
import { errorRateAxis, lineChartSvg } from '../probe/plot.js';

const pct = (r: ProbeResult | null | undefined): string =>
  r ? (100 * r.accuracy).toFixed(1) : '–';

/** Accuracy ± its standard error in %, e.g. "38.9 ± 1.2" (no "±" when the SE is undefined). */
export function pctWithError(r: ProbeResult | null | undefined): string {
  if (!r) return '–';
  const se = Number.isFinite(r.standardError) ? ` ± ${(100 * r.standardError).toFixed(1)}` : '';
  return `${(100 * r.accuracy).toFixed(1)}${se}`;
}

/** The final module's probes of a row. */
export function finalProbes(row: ExperimentRow): {
  speaker: ProbeResult | null;
  phone: ProbeResult | null;
  /** Width of the final module's probed features. */
  dim: number | null;
} {
  const last = row.modules[row.modules.length - 1];
  return { speaker: last?.speaker ?? null, phone: last?.phone ?? null, dim: last?.dim ?? null };
}

/**
 * The final module's training loss over the first → the last 10 % of its steps ("–" untrained):
 * a row whose loss did not fall did not train, whatever its probe says.
 */
export function lossChange(row: ExperimentRow): string {
  const first = row.firstLoss[row.firstLoss.length - 1];
  const last = row.finalLoss[row.finalLoss.length - 1];
  if (first === undefined || last === undefined) return '–';
  return `${first.toFixed(2)} → ${last.toFixed(2)}`;
}

export function markdownTable(
  rows: readonly ExperimentRow[],
  speakers: number,
  phoneClasses: number,
): string {
  const lines = [
    `| method | dim | phone acc. % ± SE (${phoneClasses} cl.) | speaker acc. % ± SE (${speakers} cl.) | layout | seed | train steps | train loss first → last (final module) | train s | eval s |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const f = finalProbes(row);
    lines.push(
      `| ${row.name} | ${f.dim ?? '–'} | ${pctWithError(f.phone)} | ${pctWithError(f.speaker)} | ${row.layout ?? '–'} | ${row.seed} | ${row.trainSteps} | ${lossChange(row)} | ${row.trainSeconds.toFixed(0)} | ${row.evalSeconds.toFixed(0)} |`,
    );
  }
  const items = rows.map((r) => finalProbes(r)).find((f) => f.speaker || f.phone);
  if (items) {
    lines.push('');
    lines.push(
      `Test items: phone ${items.phone?.items ?? '–'} frames of ${items.phone?.standardErrorUnits ?? '–'} utterances, ` +
        `speaker ${items.speaker?.items ?? '–'} windows of ${items.speaker?.standardErrorUnits ?? '–'} utterances; ` +
        'SE: standard error of the accuracy, cluster-robust over utterances.',
    );
  }
  const chance = rows.map((r) => finalProbes(r)).find((f) => f.speaker || f.phone);
  if (chance) {
    lines.push('');
    lines.push(
      `Majority-class baselines on the test set: speaker ${pct(chance.speaker ? { ...chance.speaker, accuracy: chance.speaker.majorityBaseline } : null)} %, ` +
        `phone ${pct(chance.phone ? { ...chance.phone, accuracy: chance.phone.majorityBaseline } : null)} %.`,
    );
  }
  return lines.join('\n');
}

export function perModuleTable(rows: readonly ExperimentRow[], probe: 'speaker' | 'phone'): string {
  const width = Math.max(...rows.map((r) => r.modules.length));
  // Without per-module probes every row has one entry: its final module (module 6 of GIM, the
  // one module of CPC), so the single column is named for what it holds, not "module 1".
  const names =
    width === 1 ? ['final module'] : Array.from({ length: width }, (_, m) => `module ${m + 1}`);
  const header = `| method | ${names.join(' | ')} |`;
  const lines = [header, `|---|${'---|'.repeat(width)}`];
  const manySeeds = new Set(rows.map((r) => r.seed)).size > 1;
  for (const row of rows) {
    const cells = Array.from({ length: width }, (_, m) => {
      const entry =
        row.modules.length === width
          ? row.modules[m]
          : m === width - 1
            ? row.modules[row.modules.length - 1]
            : undefined;
      return pctWithError(entry?.[probe]);
    });
    // With several seeds each method has one row per seed: say which.
    const label = manySeeds ? `${row.name} (seed ${row.seed})` : row.name;
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Most confused pairs of the final speaker/phone probe of each row, with class names. */
export function confusionSummary(
  rows: readonly ExperimentRow[],
  speakerNames: readonly string[],
  phoneNames: readonly string[] | null,
): string {
  const lines: string[] = [];
  for (const row of rows) {
    const f = finalProbes(row);
    for (const [probe, result, names] of [
      ['speaker', f.speaker, speakerNames],
      ['phone', f.phone, phoneNames],
    ] as const) {
      if (!result || result.confusedPairs.length === 0) continue;
      const pairs = result.confusedPairs
        .slice(0, 3)
        .map(
          (p) =>
            `${names?.[p.trueClass] ?? p.trueClass}→${names?.[p.predicted] ?? p.predicted} (${(100 * p.rate).toFixed(0)} %)`,
        )
        .join(', ');
      lines.push(
        `- ${row.name}, ${probe}: balanced acc. ${(100 * result.balancedAccuracy).toFixed(1)} %; most confused ${pairs}`,
      );
    }
  }
  return lines.join('\n');
}

/** Error rate (1 − accuracy) per module on a log axis; single-module methods are drawn at the last module. */
export function perModuleSvg(
  rows: readonly ExperimentRow[],
  probe: 'speaker' | 'phone',
  title: string,
): string {
  const width = Math.max(1, ...rows.map((r) => r.modules.length));
  const series = rows
    .map((row) => ({
      label: row.name,
      flat: row.method === 'mfcc',
      points: row.modules
        .map((m, j) => ({
          x: row.modules.length === width ? j + 1 : width,
          y: m[probe] ? Math.max(1 - m[probe]!.accuracy, 1e-3) : Number.NaN,
        }))
        .filter((p) => Number.isFinite(p.y)),
    }))
    .filter((s) => s.points.length > 0);
  const y = errorRateAxis(series.flatMap((s) => s.points.map((p) => p.y)));
  return lineChartSvg({ title, modules: width, y, series });
}
