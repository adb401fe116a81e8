/**
 * Learning curves of an audio experiment: the probe accuracy of GIM's and CPC's final module (and
 * per module in the JSON) against training steps on a log axis, with the methods that have no
 * curve (MFCC, random init, supervised) as flat dashed levels.
 */
import type { CurvePoint, ExperimentRow } from './experiment.js';
import type { ModuleProbes } from './probes.js';
import { seedStat, type SeedStat } from './report-seeds.js';
import { accuracyAxis, lineChartSvg, stepsAxis, type ChartSeries } from '../probe/plot.js';

export interface CurveSummary {
  readonly method: string;
  readonly name: string;
  readonly seeds: readonly number[];
  /** Per step, the final module's accuracy over seeds (mean, sd, mean SE). */
  readonly points: readonly { readonly step: number; readonly final: SeedStat | null }[];
}

/** The curves of the rows that have one, per method, the final module averaged over seeds. */
export function summarizeCurves(
  rows: readonly ExperimentRow[],
  probe: 'speaker' | 'phone',
): CurveSummary[] {
  const byMethod = new Map<string, ExperimentRow[]>();
  for (const row of rows.filter((r) => r.curve))
    byMethod.set(row.method, [...(byMethod.get(row.method) ?? []), row]);
  return [...byMethod.values()].map((runs) => ({
    method: runs[0]!.method,
    name: runs[0]!.name,
    seeds: runs.map((r) => r.seed),
    points: runs[0]!.curve!.map((point, i) => ({
      step: point.step,
      final: statOf(runs.map((r) => finalOf(r.curve![i]!.modules)?.[probe] ?? null)),
    })),
  }));
}

function finalOf(modules: readonly ModuleProbes[]): ModuleProbes | undefined {
  return modules[modules.length - 1];
}

function statOf(results: readonly (ModuleProbes['speaker'] | null)[]): SeedStat | null {
  const present = results.filter((r): r is NonNullable<typeof r> => !!r);
  return present.length > 0 ? seedStat(present) : null;
}

/**
 * Accuracy against steps (log x): one line per curve method (mean over seeds; error bar: the mean
 * SE), one dashed level per other method (its final-module accuracy, mean over seeds).
 */
export function curveSvg(
  rows: readonly ExperimentRow[],
  probe: 'speaker' | 'phone',
  title: string,
): string {
  const curves = summarizeCurves(rows, probe);
  const steps = curves.flatMap((c) => c.points.map((p) => p.step));
  const series: ChartSeries[] = curves.map((c) => ({
    label: c.name,
    points: c.points
      .filter((p) => p.final)
      .map((p) => ({ x: p.step, y: p.final!.mean, error: p.final!.meanStandardError })),
  }));
  const baselines = new Map<string, { name: string; results: ModuleProbes['speaker'][] }>();
  for (const row of rows.filter((r) => !r.curve)) {
    const entry = baselines.get(row.method) ?? { name: row.name, results: [] };
    entry.results.push(finalOf(row.modules)?.[probe] ?? null);
    baselines.set(row.method, entry);
  }
  for (const { name, results } of baselines.values()) {
    const stat = statOf(results);
    if (stat)
      series.push({ label: name, flat: true, points: [{ x: steps[0] ?? 1, y: stat.mean }] });
  }
  const y = accuracyAxis(series.flatMap((s) => s.points.map((p) => p.y)));
  return lineChartSvg({
    title,
    modules: 1,
    x: stepsAxis(steps.length > 0 ? steps : [1]),
    y,
    series,
  });
}

/** The raw curve points of every row that has one (every module, both probes), for curve.json. */
export function curveRecords(
  rows: readonly ExperimentRow[],
): { method: string; seed: number; curve: readonly CurvePoint[] }[] {
  return rows
    .filter((r) => r.curve)
    .map((r) => ({ method: r.method, seed: r.seed, curve: r.curve! }));
}
