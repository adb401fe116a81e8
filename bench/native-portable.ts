/**
 * Portable build vs -march=native: CPU time of the addon's own loops (the ones native/common.h's
 * GIM_DISPATCH multiversions) called straight through two addon files, on GIM-audio-sized
 * shapes (encoder activations [8, 1023, 512]). oneDNN/OpenBLAS kernels are left out: they
 * dispatch at run time whichever way the addon is compiled.
 *
 * Each addon runs in its own child process (so the two copies never share a process), and the
 * children alternate A, B, B, A, ... so that load drifts hit both alike. Per kernel it reports
 * the median over rounds of CPU ms per call (process.cpuUsage: all threads) and of wall ms.
 *
 *   npx tsx bench/native-portable.ts native=<a.node> portable=<b.node> [...] [--rounds 6] [--out f.json]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAddon, type NativeAddon } from '../src/backend/native/addon.js';

type Kernel = { name: string; run: () => void };

function kernels(addon: NativeAddon): Kernel[] {
  let seed = 7;
  const random = (n: number) =>
    Float32Array.from(
      { length: n },
      () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1,
    );
  const [B, T, C] = [8, 1023, 512];
  const act = random(B * T * C); // [B, T, C] encoder activations
  const other = random(B * T * C);
  const bias = random(C);
  const out = new Float32Array(B * T * C);
  const colSums = new Float32Array(B * C);
  const logits = random(B * T * 16); // [B*T, 16] score rows
  const ids = Int32Array.from({ length: B * T }, (_, i) => i % T);
  const segOut = new Float32Array(T * C);
  const q = random(11 * C),
    v = random(C),
    qv = new Float32Array(11);
  return [
    {
      name: 'binary add [B*T,C]+[C]',
      run: () => addon.binary(0, act, [B * T, C], bias, [C], out, [B * T, C]),
    },
    {
      name: 'binary mul [B*T,C]*[B*T,C]',
      run: () => addon.binary(2, act, [B * T, C], other, [B * T, C], out, [B * T, C]),
    },
    {
      name: 'binary max [B*T,C]',
      run: () => addon.binary(4, act, [B * T, C], other, [B * T, C], out, [B * T, C]),
    },
    { name: 'unary relu [B*T*C]', run: () => addon.unary(0, act, out, 0) },
    { name: 'unary step [B*T*C]', run: () => addon.unary(1, act, out, 0) },
    { name: 'reduce sum [B*T,C]->[C]', run: () => addon.reduce(0, act, bias, 1, B * T, C) },
    { name: 'reduce max [B,T,C]->[B,C]', run: () => addon.reduce(3, act, colSums, B, T, C) },
    { name: 'softmax [B*T,16]', run: () => addon.softmax(logits, logits.slice(), B * T, 16) },
    {
      name: 'segmentSum [B*T,C]->[T,C]',
      run: () => (segOut.fill(0), addon.segmentSum(act, ids, segOut, C, T)),
    },
    {
      name: 'small gemm 11x512.512x1',
      run: () => {
        for (let i = 0; i < 200; i++) addon.gemm(q, v, qv, 1, 1, 1, 11, 1, C, false, false);
      },
    },
  ];
}

/** Child: times every kernel once (after a warm-up) and prints JSON. */
function child(path: string, calls: number): void {
  const res = loadAddon(path);
  if ('reason' in res) throw new Error(res.reason);
  const result: Record<string, { cpuMs: number; wallMs: number }> = {};
  for (const k of kernels(res.addon)) {
    for (let i = 0; i < 3; i++) k.run();
    const c0 = process.cpuUsage(),
      w0 = performance.now();
    for (let i = 0; i < calls; i++) k.run();
    const c = process.cpuUsage(c0);
    result[k.name] = {
      cpuMs: (c.user + c.system) / 1000 / calls,
      wallMs: (performance.now() - w0) / calls,
    };
  }
  console.log(JSON.stringify(result));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};

if (process.argv[2] === '--child') {
  child(process.argv[3]!, Number(process.argv[4]));
} else {
  // label=path pairs; the first is the reference the ratios divide by.
  const builds = process.argv
    .slice(2)
    .filter((a) => a.includes('=') && !a.startsWith('--'))
    .map((a) => a.split('=') as [string, string]);
  if (builds.length < 2)
    throw new Error('usage: native-portable.ts ref=<a.node> other=<b.node> ...');
  const rounds = Number(arg('--rounds', '6'));
  const self = fileURLToPath(import.meta.url);
  type Run = Record<string, { cpuMs: number; wallMs: number }>;
  const runs: Record<string, Run[]> = Object.fromEntries(builds.map(([l]) => [l, []]));
  const load: string[] = [readFileSync('/proc/loadavg', 'utf8').trim()];
  for (let r = 0; r < rounds; r++) {
    // Alternate the order every round so that drifting load hits every build alike.
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const [label, path] of order) {
      const p = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', path, '20'], {
        encoding: 'utf8',
      });
      if (p.status !== 0) throw new Error(`child failed: ${p.stderr}`);
      runs[label]!.push(JSON.parse(p.stdout.trim().split('\n').pop()!));
    }
  }
  load.push(readFileSync('/proc/loadavg', 'utf8').trim());
  const ref = builds[0]![0];
  const names = Object.keys(runs[ref]![0]!);
  const stat = (label: string, name: string, key: 'cpuMs' | 'wallMs') =>
    median(runs[label]!.map((x) => x[name]![key]));
  const rows = names.map((name) => ({
    name,
    cpuMs: Object.fromEntries(builds.map(([l]) => [l, stat(l, name, 'cpuMs')])),
    wallMs: Object.fromEntries(builds.map(([l]) => [l, stat(l, name, 'wallMs')])),
  }));
  console.log(`load at start | end: ${load.join(' | ')}`);
  console.log(`median CPU ms per call over ${rounds} rounds (ratio to ${ref})`);
  console.log('kernel'.padEnd(30) + builds.map(([l]) => l.padStart(22)).join(''));
  for (const r of rows) {
    const cells = builds.map(([l]) => {
      const v = r.cpuMs[l]!;
      return `${v.toFixed(3)} (${(v / r.cpuMs[ref]!).toFixed(2)})`.padStart(22);
    });
    console.log(r.name.padEnd(30) + cells.join(''));
  }
  const out = arg('--out', '');
  if (out) writeFileSync(out, JSON.stringify({ builds, rounds, load, rows, runs }, null, 1));
}
