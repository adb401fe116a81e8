/**
 * A/B of the frozen audio encoder's forward (the `inference` workload of bench/run.mjs: 6 GIM
 * modules, 512 channels, batch 8 × 20480 samples) between addon builds. Each build runs in its
 * own child process (GIM_NATIVE_ADDON), children alternate A, B, B, A, ...; a child reports
 * CPU ms (all threads) and wall ms per forward, median of its steps after one warm-up, and the
 * CPU-free per-kernel wall times of one tf.profile'd forward.
 *
 *   npx tsx bench/inference-ab.ts before=<a.node> after=<b.node> [--rounds 4] [--out f.json]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/backend/select.js';
import { tf } from '../src/backend/tf.js';
import { Rng } from '../src/backend/random.js';
import { resolveAudioConfig } from '../src/audio/config.js';
import { AudioGimModel } from '../src/audio/model.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(steps: number): Promise<void> {
  await initBackend('native');
  const config = resolveAudioConfig([
    {
      source: 'bench',
      values: { encoder: { channels: 512, layout: 'gim-6' }, train: { batchSize: 8 } },
    },
  ]);
  const model = new AudioGimModel(config.encoder, config.loss, new Rng(2));
  const r = new Rng(3);
  const x = tf.tensor(
    Float32Array.from({ length: 8 * 20480 }, () => r.normal()),
    [8, 20480, 1],
  ); // [B, T, 1]
  tf.dispose(model.representations(x));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    tf.dispose(model.representations(x));
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - w0);
    cpu.push((c.user + c.system) / 1000);
  }
  const p = await tf.profile(() => tf.dispose(model.representations(x)));
  const kernels: Record<string, number> = {};
  for (const k of p.kernels) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes[0])}`;
    kernels[key] = (kernels[key] ?? 0) + (k.kernelTimeMs as number);
  }
  x.dispose();
  console.log(JSON.stringify({ cpuMs: median(cpu), wallMs: median(wall), kernels }));
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else {
  const builds = process.argv
    .slice(2)
    .filter((a) => a.includes('=') && !a.startsWith('--'))
    .map((a) => a.split('=') as [string, string]);
  const flag = (name: string, dflt: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1]! : dflt;
  };
  const rounds = Number(flag('--rounds', '4'));
  const self = fileURLToPath(import.meta.url);
  type Run = { cpuMs: number; wallMs: number; kernels: Record<string, number> };
  const runs: Record<string, Run[]> = Object.fromEntries(builds.map(([l]) => [l, []]));
  const load = [readFileSync('/proc/loadavg', 'utf8').trim()];
  for (let r = 0; r < rounds; r++) {
    for (const [label, path] of r % 2 === 0 ? builds : [...builds].reverse()) {
      const p = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', '3'], {
        encoding: 'utf8',
        env: { ...process.env, GIM_NATIVE_ADDON: resolve(path) }, // require() needs it absolute
      });
      if (p.status !== 0) throw new Error(`child failed: ${p.stderr}`);
      runs[label]!.push(JSON.parse(p.stdout.trim().split('\n').pop()!));
    }
  }
  load.push(readFileSync('/proc/loadavg', 'utf8').trim());
  console.log(`load at start | end: ${load.join(' | ')}`);
  for (const [label] of builds) {
    const rs = runs[label]!;
    console.log(
      `${label}: CPU ms per forward ${median(rs.map((x) => x.cpuMs)).toFixed(0)} ` +
        `(rounds: ${rs.map((x) => x.cpuMs.toFixed(0)).join(' ')}), wall ms ${median(rs.map((x) => x.wallMs)).toFixed(0)}`,
    );
    const keys = Object.keys(rs[0]!.kernels);
    const top = keys
      .map((k) => [k, median(rs.map((x) => x.kernels[k] ?? 0))] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6);
    for (const [k, ms] of top) console.log(`   ${ms.toFixed(1).padStart(8)} ms  ${k}`);
  }
  const out = flag('--out', '');
  if (out) writeFileSync(out, JSON.stringify({ builds, rounds, load, runs }, null, 1));
}
