/**
 * The fused training kernels' own arithmetic against the cost of their fresh output arrays:
 * CPU ms per call of the addon's adamUpdate (one 512 × 6144 W_k) and reluGrad (audio layer 1,
 * 8 × 4095 × 512), writing into reused arrays and into new ones (first-touch page faults).
 *
 *   npx tsx bench/fused-kernels-micro.ts [--out file.json]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadNativeBackend, nativeAddon } from '../src/backend/native/index.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, reps: { type: 'string', default: '5' } },
});
const status = loadNativeBackend();
if (!status.ok) throw new Error(status.reason);
const addon = nativeAddon()!;
const reps = Number(values.reps);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const filled = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.01);

/** Mean CPU ms of `reps` calls of f(outputs), with outputs reused or made new per call. */
function measure(outputs: number, n: number, f: (outs: Float32Array[]) => void) {
  const reused = Array.from({ length: outputs }, () => new Float32Array(n));
  f(reused); // first touch outside the timing
  let c0 = cpuMs();
  for (let i = 0; i < reps; i++) f(reused);
  const reusedMs = (cpuMs() - c0) / reps;
  c0 = cpuMs();
  for (let i = 0; i < reps; i++) f(Array.from({ length: outputs }, () => new Float32Array(n)));
  return { reused_cpu_ms: reusedMs, fresh_cpu_ms: (cpuMs() - c0) / reps };
}

const nAdam = 512 * 6144;
const [p, m, v, g] = [filled(nAdam), filled(nAdam), filled(nAdam).map(Math.abs), filled(nAdam)];
const consts = [0.9, 0.1, 0.999, 0.001, 0.03, 1e-8, 1e-3];
const nRelu = 8 * 4095 * 512;
const [dy, x] = [filled(nRelu), filled(nRelu)];
const result = {
  load: loadavg(),
  threads: status.threads,
  adam_w_k: {
    floats: nAdam,
    ...measure(3, nAdam, (o) => addon.adamUpdate(p, m, v, g, o[0]!, o[1]!, o[2]!, consts)),
  },
  relu_grad_layer1: { floats: nRelu, ...measure(1, nRelu, (o) => addon.reluGrad(dy, x, o[0]!)) },
};
console.log(JSON.stringify(result));
if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 1) + '\n');
