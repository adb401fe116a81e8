import { it } from 'node:test';
import assert from 'node:assert/strict';
import { curveRecords, curveSvg, summarizeCurves } from '../../src/audio/report-curve.js';
import type { ExperimentRow } from '../../src/audio/experiment.js';
import type { ModuleProbes } from '../../src/audio/probes.js';
import type { ProbeResult } from '../../src/probe/linear-probe.js';
import { fakeProbe } from '../helpers/probe-result.js';

const probe = (accuracy: number): ProbeResult =>
  fakeProbe(accuracy, { items: 100, standardError: 0.05, units: 10 });

const modules = (phone: number): ModuleProbes[] => [
  { module: 1, dim: 8, speaker: null, phone: probe(phone / 2) },
  { module: 2, dim: 8, speaker: null, phone: probe(phone) },
];

const row = (
  method: ExperimentRow['method'],
  seed: number,
  curve: [number, number][] | null,
  final = 0.5,
): ExperimentRow => ({
  method,
  name: method,
  layout: null,
  config: null,
  seed,
  trainSteps: 0,
  trainSeconds: 0,
  evalSeconds: 0,
  firstLoss: [],
  finalLoss: [],
  checkpoint: null,
  modules: modules(curve ? curve[curve.length - 1]![1] : final),
  curve: curve ? curve.map(([step, acc]) => ({ step, modules: modules(acc) })) : null,
});

it('learning curves: final module per step, averaged over seeds; baselines as dashed levels', () => {
  const rows = [
    row('mfcc', 1, null, 0.45),
    row('gim', 1, [
      [10, 0.2],
      [100, 0.4],
    ]),
    row('gim', 2, [
      [10, 0.3],
      [100, 0.6],
    ]),
    row('cpc', 1, [
      [10, 0.25],
      [100, 0.35],
    ]),
  ];
  const [gim, cpc] = summarizeCurves(rows, 'phone');
  assert.deepEqual(gim!.seeds, [1, 2]);
  assert.deepEqual(
    gim!.points.map((p) => [p.step, Number(p.final!.mean.toFixed(12))]),
    [
      [10, 0.25],
      [100, 0.5],
    ],
  );
  assert.equal(cpc!.points[1]!.final!.mean, 0.35);
  const svg = curveSvg(rows, 'phone', 'Phone');
  // Two curves of two points each (markers), one dashed MFCC level (line + legend).
  assert.equal((svg.match(/<circle /g) ?? []).length, 4);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2);
  assert.match(svg, /training steps \(log scale\)/);
  assert.match(svg, />mfcc</);
  assert.equal(curveRecords(rows).length, 3);
});
