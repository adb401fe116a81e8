import { it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyAxis,
  errorRateAxis,
  escapeXml,
  lineChartSvg,
  stepsAxis,
} from '../../src/probe/plot.js';

it('escapes the XML specials', () => {
  assert.equal(escapeXml('a<b & c>d'), 'a&lt;b &amp; c&gt;d');
});

it('accuracy axis: whole tens around the data, top at the highest', () => {
  const axis = accuracyAxis([0.43, 0.71, Number.NaN]);
  assert.deepEqual(
    axis.ticks.map((t) => t.text),
    ['40', '50', '60', '70', '80'],
  );
  assert.equal(axis.fraction(0.8), 0);
  assert.equal(axis.fraction(0.4), 1);
});

it('error-rate axis: 1-2-5 ticks per decade down to the smallest error, log placement', () => {
  const axis = errorRateAxis([0.03, 0.5]);
  assert.deepEqual(
    axis.ticks.map((t) => t.text),
    ['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1'],
  );
  assert.equal(axis.fraction(1), 0);
  assert.equal(axis.fraction(0.01), 1);
  assert.ok(Math.abs(axis.fraction(0.1) - 0.5) < 1e-12);
  // All-wrong probes still get a decade of axis, not a division by zero.
  assert.ok(Number.isFinite(errorRateAxis([1, 1]).fraction(1)));
});

it('draws each method: markers at its modules, a path through them, a legend entry', () => {
  const svg = lineChartSvg({
    title: 'T <1>',
    modules: 3,
    y: accuracyAxis([0.5, 0.9]),
    series: [
      { label: 'GIM', points: [1, 2, 3].map((x) => ({ x, y: 0.5 + 0.2 * (x - 1) })) },
      { label: 'MFCC', points: [{ x: 3, y: 0.6 }], flat: true },
      { label: 'CPC', points: [{ x: 3, y: Number.NaN }] },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.match(svg, /T &lt;1&gt;/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3, 'GIM only: flat and NaN draw no markers');
  assert.equal((svg.match(/<path /g) ?? []).length, 1);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, 'MFCC level and its legend line');
  for (const label of ['GIM', 'MFCC', 'CPC']) assert.match(svg, new RegExp(`>${label}</text>`));
  // Module 1 at the left edge of the plot area, module 3 at the right (x 70 … 460).
  assert.match(svg, /<circle cx="70\.0" /);
  assert.match(svg, /<circle cx="460\.0" /);
});

it('steps axis: log placement from the first to the last step, error bars around markers', () => {
  const axis = stepsAxis([250, 1000, 4000]);
  assert.deepEqual(
    axis.ticks.map((t) => t.text),
    ['250', '1k', '4k'],
  );
  assert.equal(axis.fraction(250), 0);
  assert.equal(axis.fraction(4000), 1);
  assert.ok(
    Math.abs(axis.fraction(1000) - 0.5) < 1e-12,
    '1000 is halfway in log between 250 and 4000',
  );
  const svg = lineChartSvg({
    title: 'curve',
    modules: 1,
    x: axis,
    y: accuracyAxis([0.2, 0.6]),
    series: [
      {
        label: 'GIM',
        points: [
          { x: 250, y: 0.3, error: 0.02 },
          { x: 4000, y: 0.5 },
        ],
      },
    ],
  });
  assert.match(svg, />training steps \(log scale\)</);
  assert.match(svg, /<circle cx="70\.0" /);
  assert.match(svg, /<circle cx="460\.0" /);
  // One error bar (the second point has none): a vertical line at the first marker's x.
  assert.equal((svg.match(/<line x1="70\.0" y1="[\d.]+" x2="70\.0"/g) ?? []).length, 1, 'one bar');
});
