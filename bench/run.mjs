#!/usr/bin/env node
/**
 * `npm run bench`: the same workloads in this library and in PyTorch (Debian's python3-torch,
 * CPU, same thread count), run one process at a time in alternating order (TS first for even
 * workloads, PyTorch first for odd ones), then a table of median seconds per step, GFLOP/s, the
 * ratio to PyTorch, peak RSS and peak tensor bytes (one extra profiled step on each side, after
 * the peak RSS is read), with an equal-work check (same forward FLOPs). Writes JSON to
 * bench/results/.
 *
 *   npm run bench [-- --workloads audio-gim,infonce --backend native --steps 5 --warmup 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'sgemm,audio-gim,audio-gim-128,audio-cpc,infonce,inference,vision-gim' },
    backend: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    // The paper's batch (32 images = 1568 patches); smaller runs say so in their JSON.
    'vision-batch': { type: 'string', default: '32' },
    python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
    // The reference's loss permutes every row of z for its negatives; --lean-negatives makes the
    // PyTorch side gather only the rows it scores, as our loss does (same draws, same values).
    'pytorch-lean': { type: 'boolean', default: false },
  },
});

// Provenance for docs/benchmarks.md: when the run started, on which commit (-dirty: uncommitted
// changes were in the tree), and the load before it began.
const started = new Date().toISOString();
const commit = spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));

function runJson(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(line);
}

const results = [];
const workloads = values.workloads.split(',');
workloads.forEach((workload, i) => {
  const batchArgs = workload.startsWith('vision') ? ['--batch', values['vision-batch']] : [];
  const ts = () => runJson(process.execPath, ['--import', 'tsx', 'bench/workloads.ts', '--workload', workload, '--backend', values.backend, '--steps', values.steps, '--warmup', values.warmup, ...batchArgs]);
  const py = () => runJson(values.python, ['bench/pytorch/reference.py', '--workload', workload, '--threads', '2', '--steps', values.steps, '--warmup', values.warmup, '--json', ...batchArgs, ...(values['pytorch-lean'] ? ['--lean-negatives'] : [])]);
  process.stderr.write(`bench: ${workload} …\n`);
  const loadBefore = Number(loadavg()[0].toFixed(2));
  let a;
  let b;
  if (i % 2 === 0) {
    a = ts();
    b = py();
  } else {
    b = py();
    a = ts();
  }
  results.push({ workload, loadBefore, typescript: a, pytorch: b });
});

const fmt = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
const rows = ['| workload | TS backend | TS s/step | PyTorch s/step | ratio (TS/PyTorch) | TS GFLOP/s | PyTorch GFLOP/s | equal work | TS peak RSS MiB | PyTorch peak RSS MiB | TS peak tensor MiB | PyTorch peak tensor MiB |', '|---|---|---|---|---|---|---|---|---|---|---|---|'];
for (const { workload, typescript: t, pytorch: p } of results) {
  const equal = t.fwd_gflop && p.fwd_gflop ? (Math.abs(t.fwd_gflop - p.fwd_gflop) / p.fwd_gflop < 0.01 ? 'yes' : `NO (${fmt(t.fwd_gflop, 2)} vs ${fmt(p.fwd_gflop, 2)} GFLOP)`) : '?';
  rows.push(`| ${workload} | ${t.backend ?? (t.error ? `error: ${t.error.slice(0, 60)}` : '?')} | ${fmt(t.median_s)} | ${p.error ? `error: ${p.error.slice(0, 60)}` : fmt(p.median_s)} | ${fmt(t.median_s / p.median_s, 2)} | ${fmt(t.gflop_per_s, 1)} | ${fmt(p.gflop_per_s, 1)} | ${equal} | ${fmt(t.peak_rss_mib, 0)} | ${fmt(p.peak_rss_mib, 0)} | ${fmt(t.peak_tensor_mib, 0)} | ${fmt(p.peak_tensor_mib, 0)} |`);
}
// Issue 13's targets: ours/PyTorch time ratios, and our GFLOP/s on the audio GIM step as a
// fraction of the machine's fp32 peak (the faster side's large sgemm in this same run).
const TARGETS = [
  { workload: 'audio-gim', maxRatio: 0.35, minPeakFraction: 0.5 },
  { workload: 'audio-cpc', maxRatio: 0.5 },
  { workload: 'inference', maxRatio: 0.7 },
  { workload: 'vision-gim', maxRatio: 0.6 },
];
const sgemm = results.find((r) => r.workload === 'sgemm');
const peak = sgemm ? Math.max(sgemm.typescript.gflop_per_s ?? 0, sgemm.pytorch.gflop_per_s ?? 0) || null : null;
const targetRows = ['| workload | ratio ours/PyTorch | target | met | our GFLOP/s | fraction of peak | target | load before |', '|---|---|---|---|---|---|---|---|'];
for (const target of TARGETS) {
  const r = results.find((x) => x.workload === target.workload);
  if (!r) continue;
  const ratio = r.typescript.median_s / r.pytorch.median_s;
  const fraction = peak && r.typescript.gflop_per_s ? r.typescript.gflop_per_s / peak : null;
  const met = Number.isFinite(ratio) && ratio <= target.maxRatio && (!target.minPeakFraction || (fraction ?? 0) >= target.minPeakFraction);
  targetRows.push(`| ${target.workload} | ${fmt(ratio, 2)} | ≤ ${target.maxRatio} | ${met ? 'yes' : 'no'} | ${fmt(r.typescript.gflop_per_s, 1)} | ${fmt(fraction, 2)} | ${target.minPeakFraction ? `≥ ${target.minPeakFraction}` : '—'} | ${r.loadBefore} |`);
}
const header = `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, commit ${commit}, started ${started} (load ${loadAtStart.join(' ')}), ended ${new Date().toISOString()} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`;
console.log(header);
console.log(rows.join('\n'));
if (targetRows.length > 2) {
  console.log(`\nTargets (issue 13); peak fp32 ${peak ? `${fmt(peak, 1)} GFLOP/s (sgemm ${sgemm.typescript.matrix_size ?? '?'}², faster side)` : 'not measured (add sgemm to --workloads)'}`);
  console.log(targetRows.join('\n'));
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ header, started, commit, loadAtStart, args: values, peakGflops: peak, results }, null, 2));
console.log(`\nwrote ${file}`);
