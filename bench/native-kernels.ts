/**
 * GFLOP/s of the native backend (src/backend/native/, oneDNN + OpenBLAS) on the shapes that
 * dominate GIM audio training, side by side with PyTorch on the same machine when Debian's
 * python3-torch is installed (2 threads):
 *  - the audio encoder's layer-2 conv (512→512, k 8, s 4, pad 2, batch 8 × 4095 input):
 *    forward, gradient w.r.t. input (BPI) and w.r.t. filter (BPF), through TF.js kernels;
 *  - a 1024×512·512×512 matmul through tf.matMul, and straight through the addon with
 *    dnnl_sgemm and with OpenBLAS; the GRU-sized 8×256·256×768 product likewise.
 *
 *   npx tsx bench/native-kernels.ts            (add --quick for a 4× smaller conv batch)
 */
import { spawnSync } from 'node:child_process';
import { tf, type Tensor } from '../src/backend/tf.js';
import { initBackend } from '../src/backend/select.js';
import { nativeAddon } from '../src/backend/native/index.js';

const quick = process.argv.includes('--quick');
const active = await initBackend('native');
const addon = nativeAddon()!;
let seed = 1;
const random = (shape: number[]): Tensor =>
  tf.tensor(
    Float32Array.from(
      { length: shape.reduce((a, b) => a * b, 1) },
      () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1,
    ),
    shape,
  );

/** Median seconds over a few runs after one warm-up. */
function time(fn: () => void, runs = 5): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push((performance.now() - s) / 1000);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}
const kernel =
  (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown>) => () => {
    const out = tf.engine().runKernel(name, inputs, attrs as never) as Tensor;
    out.dispose();
  };

const batch = quick ? 2 : 8;
const [len, c, k, s, p] = [4095, 512, 8, 4, 2];
const outLen = Math.floor((len + 2 * p - k) / s) + 1;
const convGflop = (2 * batch * outLen * c * k * c) / 1e9;
const x = random([batch, 1, len, c]),
  w = random([1, k, c, c]),
  dy = random([batch, 1, outLen, c]);
const pad = [
  [0, 0],
  [0, 0],
  [p, p],
  [0, 0],
];
const convAttrs = { strides: [1, s], pad, dataFormat: 'NHWC', dilations: [1, 1] };
const rows: Array<[string, number, number]> = [];
const add = (name: string, gflop: number, fn: () => void) =>
  rows.push([name, gflop, gflop / time(fn)]);

add('audio L2 conv forward', convGflop, kernel('Conv2D', { x, filter: w }, convAttrs));
add(
  'audio L2 conv BPI',
  convGflop,
  kernel('Conv2DBackpropInput', { dy, filter: w }, { ...convAttrs, inputShape: x.shape }),
);
add(
  'audio L2 conv BPF',
  convGflop,
  kernel('Conv2DBackpropFilter', { x, dy }, { ...convAttrs, filterShape: w.shape }),
);

const gemm = (m: number, n: number, kk: number, label: string) => {
  const a = random([m, kk]),
    b = random([kk, n]);
  const gflop = (2 * m * n * kk) / 1e9;
  add(`${label} tf.matMul (auto)`, gflop, () => tf.matMul(a, b).dispose());
  const av = a.dataSync() as Float32Array,
    bv = b.dataSync() as Float32Array,
    cv = new Float32Array(m * n);
  for (const [impl, name] of [
    [1, 'dnnl_sgemm'],
    [2, 'OpenBLAS'],
  ] as const) {
    addon.setGemmImpl(impl);
    add(`${label} addon ${name}`, gflop, () =>
      addon.gemm(av, bv, cv, 1, 1, 1, m, n, kk, false, false),
    );
  }
  addon.setGemmImpl(0);
  tf.dispose([a, b]);
};
gemm(1024, 512, 512, 'matmul 1024×512×512');
gemm(8, 768, 256, 'matmul 8×256×768 (GRU)');

const torch = runTorch();
console.log(`native backend: ${active.note}; conv batch ${batch}`);
console.log('| workload | GFLOP | native GFLOP/s | PyTorch 2T GFLOP/s |');
console.log('|---|---|---|---|');
for (const [name, gflop, rate] of rows) {
  const ref = torch?.[name.replace(/ (tf\.matMul \(auto\)|addon .*)$/, '')];
  console.log(
    `| ${name} | ${gflop.toFixed(3)} | ${rate.toFixed(1)} | ${ref === undefined ? '—' : ref.toFixed(1)} |`,
  );
}
if (!torch) console.log('(PyTorch column empty: /usr/bin/python3 with torch not available)');
tf.dispose([x, w, dy]);

/** The same workloads in PyTorch (Debian python3-torch, 2 threads), or null if not installed. */
function runTorch(): Record<string, number> | null {
  const py = `
import json, time, torch
import torch.nn.functional as F
torch.set_num_threads(2)
b, L, c, k, s, p = ${batch}, ${len}, ${c}, ${k}, ${s}, ${p}
x = torch.randn(b, c, L); w = torch.randn(c, c, k)
y = F.conv1d(x, w, stride=s, padding=p); dy = torch.randn_like(y)
g = 2 * b * y.shape[2] * c * k * c / 1e9
def med(f, n=5):
    f(); t = []
    for _ in range(n):
        s0 = time.perf_counter(); f(); t.append(time.perf_counter() - s0)
    return sorted(t)[n // 2]
r = {}
r['audio L2 conv forward'] = g / med(lambda: F.conv1d(x, w, stride=s, padding=p))
r['audio L2 conv BPI'] = g / med(lambda: torch.nn.grad.conv1d_input(x.shape, w, dy, stride=s, padding=p))
r['audio L2 conv BPF'] = g / med(lambda: torch.nn.grad.conv1d_weight(x, w.shape, dy, stride=s, padding=p))
for m, n, kk, name in [(1024, 512, 512, 'matmul 1024×512×512'), (8, 768, 256, 'matmul 8×256×768 (GRU)')]:
    A = torch.randn(m, kk); B = torch.randn(kk, n)
    r[name] = 2 * m * n * kk / 1e9 / med(lambda: A @ B, 21)
print(json.dumps(r))
`;
  const res = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (res.status !== 0) return null;
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, number>;
}
