/**
 * Results of an audio experiment as a Markdown table, a JSON document and per-module SVG plots
 * (hand-written SVG: error rate per module on a log axis, like the paper's figure, spec §5.4).
 */
import type { ExperimentRow } from '../audio/experiment.js';
import type { ProbeResult } from './linear-probe.js';

const pct = (r: ProbeResult | null | undefined): string =>
  r ? (100 * r.accuracy).toFixed(1) : '–';

/** The final module's probes of a row. */
export function finalProbes(row: ExperimentRow): {
  speaker: ProbeResult | null;
  phone: ProbeResult | null;
} {
  const last = row.modules[row.modules.length - 1];
  return { speaker: last?.speaker ?? null, phone: last?.phone ?? null };
}

export function markdownTable(
  rows: readonly ExperimentRow[],
  speakers: number,
  phoneClasses: number,
): string {
  const lines = [
    `| method | phone acc. % (${phoneClasses} cl.) | speaker acc. % (${speakers} cl.) | layout | seed | train steps | train s | eval s |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const f = finalProbes(row);
    lines.push(
      `| ${row.name} | ${pct(f.phone)} | ${pct(f.speaker)} | ${row.layout ?? '–'} | ${row.seed} | ${row.trainSteps} | ${row.trainSeconds.toFixed(0)} | ${row.evalSeconds.toFixed(0)} |`,
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
  for (const row of rows) {
    const cells = Array.from({ length: width }, (_, m) => {
      const entry =
        row.modules.length === width
          ? row.modules[m]
          : m === width - 1
            ? row.modules[row.modules.length - 1]
            : undefined;
      return pct(entry?.[probe]);
    });
    lines.push(`| ${row.name} | ${cells.join(' | ')} |`);
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

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];

/** Error rate (1 − accuracy) per module on a log axis; single-module methods are drawn at the last module. */
export function perModuleSvg(
  rows: readonly ExperimentRow[],
  probe: 'speaker' | 'phone',
  title: string,
): string {
  const W = 700;
  const H = 420;
  const L = 70;
  const R = 240;
  const T = 40;
  const B = 50;
  const width = Math.max(1, ...rows.map((r) => r.modules.length));
  const series = rows
    .map((row, i) => {
      const points = row.modules
        .map((m, j) => ({
          x: row.modules.length === width ? j + 1 : width,
          err: m[probe] ? 1 - m[probe]!.accuracy : null,
        }))
        .filter((p): p is { x: number; err: number } => p.err !== null)
        .map((p) => ({ x: p.x, err: Math.max(p.err, 1e-3) }));
      return {
        name: row.name,
        colour: COLOURS[i % COLOURS.length]!,
        points,
        flat: row.method === 'mfcc',
      };
    })
    .filter((s) => s.points.length > 0);
  const errs = series.flatMap((s) => s.points.map((p) => p.err));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(1, ...errs))));
  const xs = (x: number): number =>
    L + (width === 1 ? (W - L - R) / 2 : ((x - 1) / (width - 1)) * (W - L - R));
  const ys = (e: number): number => T + ((0 - Math.log10(e)) / (0 - Math.log10(lo))) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(L + W - R) / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">module</text>`,
    `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">test error rate (log scale)</text>`,
  ];
  for (let decade = lo; decade <= 1.0001; decade *= 10) {
    for (const f of decade >= 0.9999 ? [1] : [1, 2, 5]) {
      const e = decade * f;
      out.push(
        `<line x1="${L - 4}" y1="${ys(e)}" x2="${W - R}" y2="${ys(e)}" stroke="${f === 1 ? '#ccc' : '#eee'}"/>`,
      );
      out.push(
        `<text x="${L - 8}" y="${ys(e) + 4}" text-anchor="end">${e >= 0.9999 ? '1' : Number(e.toPrecision(1))}</text>`,
      );
    }
  }
  for (let x = 1; x <= width; x++)
    out.push(`<text x="${xs(x)}" y="${H - B + 18}" text-anchor="middle">${x}</text>`);
  series.forEach((s, i) => {
    if (s.flat) {
      const y = ys(s.points[0]!.err);
      out.push(
        `<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" stroke="${s.colour}" stroke-dasharray="6 4" stroke-width="2"/>`,
      );
    } else {
      const d = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${xs(p.x).toFixed(1)},${ys(p.err).toFixed(1)}`)
        .join(' ');
      if (s.points.length > 1)
        out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
      for (const p of s.points)
        out.push(
          `<circle cx="${xs(p.x).toFixed(1)}" cy="${ys(p.err).toFixed(1)}" r="4" fill="${s.colour}"/>`,
        );
    }
    const ly = T + 10 + 20 * i;
    out.push(
      `<line x1="${W - R + 15}" y1="${ly}" x2="${W - R + 40}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.flat ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    out.push(`<text x="${W - R + 46}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
