import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  seedPerModuleTable,
  seedSummaryTable,
  summarizeSeeds,
} from '../../src/audio/report-seeds.js';
import type { ExperimentRow } from '../../src/audio/experiment.js';
import type { ProbeResult } from '../../src/probe/linear-probe.js';
import { fakeProbe } from '../helpers/probe-result.js';

const probe = (accuracy: number, standardError: number): ProbeResult =>
  fakeProbe(accuracy, { items: 800, standardError, units: 80 });

/** One seed's row; entry m of `speaker` is module m + 1's (accuracy, SE). */
const row = (
  method: ExperimentRow['method'],
  seed: number,
  speaker: [number, number][],
  phone: [number, number] | null = null,
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
  modules: speaker.map(([a, se], m) => ({
    module: m + 1,
    dim: 16,
    speaker: probe(a, se),
    phone: phone && m === speaker.length - 1 ? probe(...phone) : null,
  })),
  curve: null,
});

it('seeds: mean, sample sd (n − 1) and mean SE per method and module, from hand numbers', () => {
  const rows = [
    row(
      'gim',
      1,
      [
        [0.2, 0.01],
        [0.5, 0.02],
      ],
      [0.3, 0.01],
    ),
    row('mfcc', 1, [[0.4, 0.03]]),
    row(
      'gim',
      2,
      [
        [0.4, 0.03],
        [0.6, 0.02],
      ],
      [0.5, 0.03],
    ),
    row(
      'gim',
      3,
      [
        [0.3, 0.02],
        [0.7, 0.05],
      ],
      [0.4, 0.02],
    ),
  ];
  const [gim, mfcc] = summarizeSeeds(rows);
  assert.deepEqual(gim!.seeds, [1, 2, 3]);
  // Module 1: 0.2, 0.4, 0.3 → mean 0.3, sd √((0.01 + 0.01 + 0) / 2) = 0.1; SEs 0.01, 0.03, 0.02 → 0.02.
  const m1 = gim!.modules[0]!.speaker!;
  assert.equal(m1.n, 3);
  assert.ok(Math.abs(m1.mean - 0.3) < 1e-12);
  assert.ok(Math.abs(m1.sd - 0.1) < 1e-12);
  assert.ok(Math.abs(m1.meanStandardError - 0.02) < 1e-12);
  // Module 2: 0.5, 0.6, 0.7 → mean 0.6, sd 0.1, mean SE 0.03.
  const m2 = gim!.modules[1]!.speaker!;
  assert.ok(Math.abs(m2.mean - 0.6) < 1e-12 && Math.abs(m2.sd - 0.1) < 1e-12);
  assert.ok(Math.abs(m2.meanStandardError - 0.03) < 1e-12);
  assert.equal(gim!.modules[0]!.phone, null, 'no phone probe on module 1');
  assert.ok(Math.abs(gim!.modules[1]!.phone!.mean - 0.4) < 1e-12);
  // One seed: the sd is undefined and the table says so by leaving it out.
  assert.equal(mfcc!.modules[0]!.speaker!.n, 1);
  assert.ok(Number.isNaN(mfcc!.modules[0]!.speaker!.sd));
  const table = seedSummaryTable([gim!, mfcc!]);
  assert.match(
    table,
    /\| gim \| 16 \| 40\.0 ± 10\.0 \(SE 2\.0\) \| 60\.0 ± 10\.0 \(SE 3\.0\) \| 1, 2, 3 \|/,
  );
  assert.match(table, /\| mfcc \| 16 \| – \| 40\.0 \(SE 3\.0\) \| 1 \|/);
  const per = seedPerModuleTable([gim!, mfcc!], 'speaker');
  assert.match(per, /\| gim \| 30\.0 ± 10\.0 \(SE 2\.0\) \| 60\.0 ± 10\.0 \(SE 3\.0\) \|/);
  assert.match(per, /\| mfcc \| – \| 40\.0 \(SE 3\.0\) \|/);
});
