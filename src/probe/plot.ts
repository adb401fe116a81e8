/**
 * The one plot writer: a hand-written SVG line chart of a probe measure per encoder module (or
 * per training step, for learning curves), one line per method (no plotting dependency). Callers
 * choose the y axis (linear accuracy for vision, log error rate for audio, like the paper's
 * figure, spec §5.4) and the x axis (modules by default, or `stepsAxis` on a log scale); this
 * draws the frame, the ticks, the lines, the markers, the error bars and the legend.
 */

export interface ChartSeries {
  readonly label: string;
  /**
   * x is the 1-based module (or the step, with a steps axis); y in the caller's units; `error`
   * (optional) draws a bar from y − error to y + error. Non-finite y values are not drawn.
   */
  readonly points: readonly { readonly x: number; readonly y: number; readonly error?: number }[];
  /** A method with no modules (e.g. MFCC features): a dashed level across the whole chart. */
  readonly flat?: boolean;
}

export interface YAxis {
  /** Tick positions with their text; `minor` ticks get a lighter grid line. */
  readonly ticks: readonly {
    readonly value: number;
    readonly text: string;
    readonly minor?: boolean;
  }[];
  /** Where a value sits, 0 at the top of the plot area and 1 at the bottom. */
  readonly fraction: (value: number) => number;
  readonly label: string;
}

/** Where an x value sits, 0 at the left of the plot area and 1 at the right, and its ticks. */
export interface XAxis {
  readonly ticks: readonly { readonly value: number; readonly text: string }[];
  readonly fraction: (value: number) => number;
  readonly label: string;
}

export interface LineChart {
  readonly title: string;
  /** Modules on the x axis, 1..modules (ignored when `x` is given). */
  readonly modules: number;
  /** Another x axis (e.g. `stepsAxis`); default: the modules 1..modules. */
  readonly x?: XAxis;
  readonly y: YAxis;
  readonly series: readonly ChartSeries[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
const W = 700;
const H = 420;
const M = { left: 70, right: 240, top: 40, bottom: 50 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function lineChartSvg(chart: LineChart): string {
  const x = chart.x ?? modulesAxis(chart.modules);
  const xs = (v: number): number => M.left + x.fraction(v) * (W - M.left - M.right);
  const ys = (v: number): number => M.top + chart.y.fraction(v) * (H - M.top - M.bottom);
  const out = [...frame(chart.title, x.label, chart.y.label)];
  for (const t of chart.y.ticks) {
    const y = ys(t.value).toFixed(1);
    out.push(
      `<line x1="${M.left - 4}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${t.minor ? '#eee' : '#ccc'}"/>`,
      `<text x="${M.left - 8}" y="${(ys(t.value) + 4).toFixed(1)}" text-anchor="end">${t.text}</text>`,
    );
  }
  for (const t of x.ticks)
    out.push(
      `<text x="${xs(t.value).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${t.text}</text>`,
    );
  chart.series.forEach((s, i) =>
    out.push(...seriesSvg(s, COLOURS[i % COLOURS.length]!, i, xs, ys)),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function frame(title: string, xLabel: string, yLabel: string): string[] {
  const centre = (M.left + W - M.right) / 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${centre}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${centre}" y="${H - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
}

function seriesSvg(
  s: ChartSeries,
  colour: string,
  index: number,
  xs: (x: number) => number,
  ys: (y: number) => number,
): string[] {
  const out: string[] = [];
  const points = s.points.filter((p) => Number.isFinite(p.y));
  const dash = s.flat ? ' stroke-dasharray="6 4"' : '';
  if (s.flat && points.length > 0) {
    const y = ys(points[0]!.y).toFixed(1);
    out.push(
      `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="${colour}"${dash} stroke-width="2"/>`,
    );
  } else {
    const d = points
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${xs(p.x).toFixed(1)},${ys(p.y).toFixed(1)}`)
      .join(' ');
    if (points.length > 1)
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of points) {
      out.push(
        `<circle cx="${xs(p.x).toFixed(1)}" cy="${ys(p.y).toFixed(1)}" r="4" fill="${colour}"/>`,
      );
      if (p.error !== undefined && Number.isFinite(p.error) && p.error > 0) {
        const cx = xs(p.x).toFixed(1);
        out.push(
          `<line x1="${cx}" y1="${ys(p.y - p.error).toFixed(1)}" x2="${cx}" y2="${ys(p.y + p.error).toFixed(1)}" stroke="${colour}" stroke-width="1.5"/>`,
        );
      }
    }
  }
  const ly = M.top + 10 + 20 * index;
  out.push(
    `<line x1="${W - M.right + 15}" y1="${ly}" x2="${W - M.right + 40}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`,
    `<text x="${W - M.right + 46}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
  );
  return out;
}

/** A linear axis of accuracies in [0, 1], shown in %, on whole tens around the data. */
export function accuracyAxis(values: readonly number[]): YAxis {
  const finite = values.filter(Number.isFinite);
  const lo = Math.max(0, Math.floor((Math.min(...finite, 1) * 100) / 10) * 10);
  const hi = Math.min(100, Math.ceil((Math.max(...finite, 0) * 100) / 10) * 10 || 100);
  const ticks = [];
  for (let t = lo; t <= hi; t += 10) ticks.push({ value: t / 100, text: `${t}` });
  return {
    ticks,
    fraction: (v) => 1 - (v * 100 - lo) / Math.max(1, hi - lo),
    label: 'linear probe test accuracy (%)',
  };
}

/** A log axis of error rates in (0, 1], from the decade below the smallest to 1, 1-2-5 ticks. */
export function errorRateAxis(errors: readonly number[]): YAxis {
  // At least one decade, so an all-wrong probe (every error 1) still has an axis.
  const lo = Math.min(0.1, Math.pow(10, Math.floor(Math.log10(Math.min(1, ...errors)))));
  const ticks = [];
  for (let decade = lo; decade <= 1.0001; decade *= 10) {
    for (const f of decade >= 0.9999 ? [1] : [1, 2, 5]) {
      const e = decade * f;
      ticks.push({
        value: e,
        text: e >= 0.9999 ? '1' : `${Number(e.toPrecision(1))}`,
        minor: f !== 1,
      });
    }
  }
  return {
    ticks,
    // 0 − log rather than −log, so the top (error 1) sits at +0, not −0.
    fraction: (e) => (0 - Math.log10(e)) / (0 - Math.log10(lo)),
    label: 'test error rate (log scale)',
  };
}

/** The default x axis: encoder modules 1..modules, evenly spaced. */
export function modulesAxis(modules: number): XAxis {
  return {
    ticks: Array.from({ length: modules }, (_, i) => ({ value: i + 1, text: `${i + 1}` })),
    fraction: (m) => (modules <= 1 ? 0.5 : (m - 1) / (modules - 1)),
    label: 'encoder module',
  };
}

/** Training steps on a log scale (learning curves), from the smallest to the largest step given. */
export function stepsAxis(steps: readonly number[]): XAxis {
  const positive = steps.filter((s) => s > 0);
  const lo = Math.log10(Math.min(...positive));
  const hi = Math.log10(Math.max(...positive));
  const span = hi - lo || 1;
  const ticks = [...new Set(positive)]
    .sort((a, b) => a - b)
    .map((v) => ({ value: v, text: v >= 1000 && v % 1000 === 0 ? `${v / 1000}k` : `${v}` }));
  return {
    ticks,
    fraction: (v) => (hi === lo ? 0.5 : (Math.log10(v) - lo) / span),
    label: 'training steps (log scale)',
  };
}
