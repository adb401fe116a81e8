/** A hand-written SVG line plot of probe accuracy per encoder stage, one line per method. */

export interface PlotSeries {
  readonly label: string;
  /** Accuracy in [0, 1] per stage (stage 1 first). */
  readonly values: readonly number[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#7f7f7f', '#9467bd'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function perStageAccuracySvg(series: readonly PlotSeries[], title: string): string {
  const W = 640;
  const H = 400;
  const m = { left: 60, right: 200, top: 40, bottom: 50 };
  const stages = Math.max(1, ...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const lo = Math.max(0, Math.floor((Math.min(...all, 1) * 100) / 10) * 10);
  const hi = Math.min(100, Math.ceil((Math.max(...all, 0) * 100) / 10) * 10 || 100);
  const x = (i: number): number =>
    m.left + (stages === 1 ? 0.5 : i / (stages - 1)) * (W - m.left - m.right);
  const y = (v: number): number =>
    m.top + (1 - (v * 100 - lo) / Math.max(1, hi - lo)) * (H - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(W - m.right + m.left) / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let t = lo; t <= hi; t += 10) {
    parts.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${y(t / 100)}" y2="${y(t / 100)}" stroke="#ddd"/>`,
    );
    parts.push(`<text x="${m.left - 8}" y="${y(t / 100) + 4}" text-anchor="end">${t}</text>`);
  }
  for (let i = 0; i < stages; i++)
    parts.push(`<text x="${x(i)}" y="${H - m.bottom + 18}" text-anchor="middle">${i + 1}</text>`);
  parts.push(
    `<text x="${(W - m.right + m.left) / 2}" y="${H - 12}" text-anchor="middle">encoder module / stage</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${(H - m.bottom + m.top) / 2}) rotate(-90)" text-anchor="middle">linear probe test accuracy (%)</text>`,
  );
  series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length]!;
    const pts = s.values
      .map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p) => p !== null);
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`,
    );
    for (const p of pts) {
      const [cx, cy] = p.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${colour}"/>`);
    }
    const ly = m.top + 10 + 20 * k;
    parts.push(
      `<line x1="${W - m.right + 15}" x2="${W - m.right + 35}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${W - m.right + 40}" y="${ly + 4}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
