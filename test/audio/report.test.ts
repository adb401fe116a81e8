import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  markdownTable,
  pctWithError,
  perModuleSvg,
  perModuleTable,
} from '../../src/audio/report.js';
import type { ExperimentRow } from '../../src/audio/experiment.js';
import type { ProbeResult } from '../../src/probe/linear-probe.js';
import { fakeProbe } from '../helpers/probe-result.js';

const probe = (accuracy: number): ProbeResult =>
  fakeProbe(accuracy, { items: 10, standardError: 0.1, units: 10 });

const row = (method: ExperimentRow['method'], accs: number[]): ExperimentRow => ({
  method,
  name: method,
  layout: method === 'mfcc' ? null : 'gim-6',
  config: null,
  seed: 2,
  trainSteps: 0,
  trainSeconds: 0,
  evalSeconds: 0,
  firstLoss: method === 'mfcc' ? [] : accs.map(() => 2.4),
  finalLoss: method === 'mfcc' ? [] : accs.map((_, m) => 1.5 + m / 10),
  checkpoint: null,
  modules: accs.map((a, m) => ({
    module: m + 1,
    dim: 8 * (m + 1),
    speaker: probe(a),
    phone: null,
  })),
  curve: null,
});

const rows = [row('gim', [0.2, 0.5, 0.9]), row('mfcc', [0.4]), row('cpc', [0.95])];

it('markdown tables: final module per method, per-module with single-module methods in the last column', () => {
  const md = markdownTable(rows, 40, 41);
  assert.match(md, /\| gim \| 24 \| – \| 90\.0 ± 10\.0 \| gim-6 \| 2 \| 0 \| 2\.40 → 1\.70 \|/);
  assert.match(md, /\| mfcc \| 8 \| – \| 40\.0 ± 10\.0 \| – \| 2 \| 0 \| – \|/);
  assert.match(md, /speaker 10\.0 %/);
  assert.match(md, /speaker 10 windows of 10 utterances/);
  const per = perModuleTable(rows, 'speaker');
  assert.match(per, /\| gim \| 20\.0 ± 10\.0 \| 50\.0 ± 10\.0 \| 90\.0 ± 10\.0 \|/);
  assert.match(per, /\| cpc \| – \| – \| 95\.0 ± 10\.0 \|/);
  assert.match(per, /^\| method \| module 1 \| module 2 \| module 3 \|/);
  const seeded = perModuleTable([rows[0]!, { ...rows[0]!, seed: 3 }], 'speaker');
  assert.match(seeded, /\| gim \(seed 2\) \| 20\.0 ± 10\.0 \|/);
  assert.match(seeded, /\| gim \(seed 3\) \|/);
});

it('per-module table without per-module probes: one column, named for the final module', () => {
  const finalOnly = [row('gim', [0.9]), row('mfcc', [0.4])].map((r) => ({
    ...r,
    modules: r.modules.map((m) => ({ ...m, module: r.method === 'gim' ? 6 : 1 })),
  }));
  const per = perModuleTable(finalOnly, 'speaker');
  assert.match(per, /^\| method \| final module \|\n/);
  assert.match(per, /\| gim \| 90\.0 ± 10\.0 \|/);
});

it('accuracy ± SE in percent; no ± when the SE is undefined (fewer than two test units)', () => {
  assert.equal(pctWithError({ ...probe(4 / 6), standardError: 1 / 3 }), '66.7 ± 33.3');
  assert.equal(pctWithError({ ...probe(0.5), standardError: Number.NaN }), '50.0');
  assert.equal(pctWithError(null), '–');
});

it('per-module SVG: one point per probed module, a dashed line for MFCC, a legend entry per method', () => {
  const svg = perModuleSvg(rows, 'speaker', 'Speaker <test>');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3 + 1);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2);
  assert.match(svg, /Speaker &lt;test&gt;/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
});
