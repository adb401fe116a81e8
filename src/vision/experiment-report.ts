/**
 * Tables, seed summaries and plots of `gim experiment vision` results (experiment.ts): every
 * accuracy with its standard error and feature dimension, per-seed rows, mean ± sd over seeds
 * per method, the per-module plot and the learning-curve plot. Pure functions of the results.
 */
import { accuracyAxis, lineChartSvg, stepsAxis, type ChartSeries } from '../probe/plot.js';
import type { MethodResult, VisionMethod } from './experiment.js';

const pct = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');

/** An accuracy and its error in points, e.g. `78.4 ± 0.6` (no error shown when it is not finite). */
export function pctPm(value: number, error: number): string {
  return Number.isFinite(error) ? `${pct(value)} ± ${pct(error)}` : pct(value);
}

const losses = (xs: readonly number[]): string => xs.map((x) => x.toFixed(2)).join(' ');

/**
 * One row per method and seed: final-module accuracy ± binomial SE and its feature dimension,
 * every module as `acc ± SE (d=C)`, the training loss (first → last 10 % of steps), timings.
 */
export function resultsMarkdown(results: readonly MethodResult[]): string {
  const modules = Math.max(...results.map((r) => r.modules.length));
  const head = [
    'method',
    'seed',
    'final module (%, ± SE)',
    'dim',
    ...Array.from({ length: modules }, (_, m) => `module ${m + 1} (%, ± SE, dim)`),
    'train loss first → last',
    'train s',
    'probe s',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of results) {
    const final = r.modules[r.modules.length - 1]!;
    const cells = Array.from({ length: modules }, (_, m) => {
      const p = r.modules[m];
      return p ? `${pctPm(p.accuracy, p.standardError)} (d=${p.channels})` : '';
    });
    const loss = r.finalLoss.length ? `${losses(r.firstLoss)} → ${losses(r.finalLoss)}` : '–';
    lines.push(
      `| ${[
        r.label,
        r.seed,
        pctPm(final.accuracy, final.standardError),
        final.channels,
        ...cells,
        loss,
        r.trainSeconds.toFixed(0),
        r.probeSeconds.toFixed(0),
      ].join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Mean and sample standard deviation (n − 1; NaN for one value) over seeds. */
export interface SeedStat {
  readonly mean: number;
  readonly sd: number;
  /** Binomial SE of each seed's accuracy, averaged (the error bar of a single seed). */
  readonly meanStandardError: number;
}

export interface MethodSummary {
  readonly method: VisionMethod;
  readonly label: string;
  readonly seeds: number[];
  readonly final: SeedStat & { readonly channels: number };
  readonly modules: (SeedStat & { readonly module: number; readonly channels: number })[];
}

function seedStat(values: readonly number[], errors: readonly number[]): SeedStat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd, meanStandardError: errors.reduce((a, b) => a + b, 0) / n };
}

/** Per method (in order of first appearance): mean ± sd over its seeds, final and per module. */
export function seedSummary(results: readonly MethodResult[]): MethodSummary[] {
  const byMethod = new Map<VisionMethod, MethodResult[]>();
  for (const r of results) byMethod.set(r.method, [...(byMethod.get(r.method) ?? []), r]);
  return [...byMethod.entries()].map(([method, runs]) => {
    const finals = runs.map((r) => r.modules[r.modules.length - 1]!);
    return {
      method,
      label: runs[0]!.label,
      seeds: runs.map((r) => r.seed),
      final: {
        ...seedStat(
          finals.map((f) => f.accuracy),
          finals.map((f) => f.standardError),
        ),
        channels: finals[0]!.channels,
      },
      modules: runs[0]!.modules.map((first, m) => ({
        ...seedStat(
          runs.map((r) => r.modules[m]!.accuracy),
          runs.map((r) => r.modules[m]!.standardError),
        ),
        module: first.module,
        channels: first.channels,
      })),
    };
  });
}

/** The seed summary in Markdown: mean ± sd (%) over seeds, final module and every module. */
export function summaryMarkdown(summaries: readonly MethodSummary[]): string {
  const modules = Math.max(...summaries.map((s) => s.modules.length));
  const head = [
    'method',
    'seeds',
    'final module (%, mean ± sd)',
    'dim',
    ...Array.from({ length: modules }, (_, m) => `module ${m + 1} (%, mean ± sd)`),
    'mean SE of one seed',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const s of summaries) {
    const cells = Array.from({ length: modules }, (_, m) => {
      const stat = s.modules[m];
      return stat ? `${pctPm(stat.mean, stat.sd)} (d=${stat.channels})` : '';
    });
    lines.push(
      `| ${[
        s.label,
        s.seeds.join(','),
        pctPm(s.final.mean, s.final.sd),
        s.final.channels,
        ...cells,
        pct(s.final.meanStandardError),
      ].join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The error bar of a summary point: sd over seeds, or a single seed's SE. */
const errorBar = (s: SeedStat): number => (Number.isFinite(s.sd) ? s.sd : s.meanStandardError);

function errorNote(results: readonly MethodResult[]): string {
  const seeds = new Set(results.map((r) => r.seed)).size;
  return seeds > 1 ? `bars: sd over ${seeds} seeds` : 'bars: binomial SE';
}

/** Linear probe accuracy per encoder module, one line per method (mean over seeds). */
export function perModuleAccuracySvg(results: readonly MethodResult[]): string {
  const summaries = seedSummary(results);
  const series = summaries.map((s) => ({
    label: s.label,
    // The raw pixels have no modules: a level across the chart.
    flat: s.method === 'raw-pixels',
    points: s.modules.map((m) => ({ x: m.module, y: m.mean, error: errorBar(m) })),
  }));
  return lineChartSvg({
    title: `Linear probe accuracy per encoder module (${errorNote(results)})`,
    modules: Math.max(1, ...summaries.map((s) => s.modules.length)),
    y: accuracyAxis(summaries.flatMap((s) => s.modules.map((m) => m.mean))),
    series,
  });
}

/** Methods drawn as flat dashed levels on the learning-curve plot. */
const CURVE_BASELINES: readonly VisionMethod[] = ['raw-pixels', 'random', 'supervised'];

/** The learning curves as data: every method and seed with a curve, every point's probes. */
export function curveJson(results: readonly MethodResult[]): object {
  const curves = results.filter((r) => r.curve.length > 0);
  return {
    steps: [...new Set(curves.flatMap((r) => r.curve.map((p) => p.step)))].sort((a, b) => a - b),
    curves: curves.map((r) => ({
      method: r.method,
      label: r.label,
      seed: r.seed,
      points: r.curve,
    })),
    baselines: seedSummary(results.filter((r) => CURVE_BASELINES.includes(r.method))),
  };
}

/**
 * Final-module accuracy against training steps (log scale), one line per method with a curve
 * (mean over seeds at each step), and the baselines as dashed levels.
 */
export function curveSvg(results: readonly MethodResult[]): string {
  const curves = results.filter((r) => r.curve.length > 0);
  const steps = [...new Set(curves.flatMap((r) => r.curve.map((p) => p.step)))];
  const series: ChartSeries[] = [];
  for (const method of new Set(curves.map((r) => r.method))) {
    const runs = curves.filter((r) => r.method === method);
    const points = steps
      .sort((a, b) => a - b)
      .flatMap((step) => {
        const finals = runs.flatMap((r) => {
          const point = r.curve.find((p) => p.step === step);
          return point ? [point.modules[point.modules.length - 1]!] : [];
        });
        if (finals.length === 0) return [];
        const stat = seedStat(
          finals.map((f) => f.accuracy),
          finals.map((f) => f.standardError),
        );
        return [{ x: step, y: stat.mean, error: errorBar(stat) }];
      });
    series.push({ label: runs[0]!.label, points });
  }
  for (const s of seedSummary(results.filter((r) => CURVE_BASELINES.includes(r.method))))
    series.push({ label: s.label, flat: true, points: [{ x: steps[0] ?? 1, y: s.final.mean }] });
  return lineChartSvg({
    title: `Final-module probe accuracy along training (${errorNote(curves)})`,
    modules: 1,
    x: stepsAxis(steps.length ? steps : [1]),
    y: accuracyAxis(series.flatMap((s) => s.points.map((p) => p.y))),
    series,
  });
}
