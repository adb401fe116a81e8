/**
 * GFLOP/s of the stock tfjs-backend-wasm kernels against ours (src/backend/wasm-kernels/) on the
 * shapes that dominate GIM training: the audio encoder's layer-2 conv (512→512, k 8, s 4, input
 * 8×4095, pad 2) forward / input gradient (BPI) / filter gradient (BPF), a 1024×512×512 matmul
 * with transposed operands, and the batched InfoNCE score matmuls.
 *
 *   npx tsx bench/wasm-kernels.ts            (add --quick for a smaller audio conv)
 */
import { tf } from '../src/backend/tf.js';
import type { Tensor } from '../src/backend/tf.js';
import { initBackend } from '../src/backend/select.js';
import { useWasmTrainingKernels } from '../src/backend/wasm-kernels/index.js';
import { Rng } from '../src/backend/random.js';

const quick = process.argv.includes('--quick');
const rng = new Rng(1);

function random(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.uniformRange(-1, 1);
  return tf.tensor(values, shape);
}

interface Timing {
  /** Wall-clock seconds. */
  wall: number;
  /** Seconds this process spent on a CPU: the wasm backend runs on one thread, so on a shared
   * machine this is close to what an idle core would take, while wall time is not. */
  cpu: number;
}

/** Median timings of `fn`; one warm-up run, fewer repeats when a run is slow. */
function time(fn: () => Tensor): Timing {
  const once = (): Timing => {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const out = fn();
    out.dataSync();
    out.dispose();
    const cpu = process.cpuUsage(cpu0);
    return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const first = once();
  if (first.wall > 3) return first;
  const runs = [once(), once(), ...(first.wall < 0.3 ? [once(), once()] : [])];
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}

function runBackprop(
  kernel: string,
  inputs: Record<string, Tensor>,
  attrs: object,
  extra: object,
): Tensor {
  return tf.engine().runKernel(kernel, inputs, { ...attrs, ...extra } as never) as Tensor;
}

interface Row {
  name: string;
  gflop: number;
  run: () => Tensor;
}

function report(rows: Row[]): void {
  console.log('GFLOP/s from CPU time (wall-clock time in brackets)\n');
  console.log(`| workload | GFLOP | stock | ours | speed-up (CPU time) |`);
  console.log(`|---|---|---|---|---|`);
  for (const row of rows) {
    useWasmTrainingKernels(false);
    let stock: Timing | null = null;
    try {
      stock = time(row.run);
    } catch {
      stock = null; // the kernel does not exist upstream
    }
    useWasmTrainingKernels(true);
    const ours = time(row.run);
    const fmt = (t: Timing | null): string =>
      t === null
        ? 'missing'
        : `${(row.gflop / t.cpu).toFixed(1)} (${(row.gflop / t.wall).toFixed(1)})`;
    const ratio = stock === null ? '—' : `${(stock.cpu / ours.cpu).toFixed(1)}×`;
    console.log(
      `| ${row.name} | ${row.gflop.toFixed(2)} | ${fmt(stock)} | ${fmt(ours)} | ${ratio} |`,
    );
  }
}

await initBackend('wasm');

// Audio layer 2 as conv2d with H = 1.
const [N, W, C, K, S, P] = quick ? [2, 1023, 128, 8, 4, 2] : [8, 4095, 512, 8, 4, 2];
const OW = Math.floor((W + 2 * P - K) / S) + 1;
const x = random([N, 1, W, C]);
const filter = random([1, K, C, C]);
const dy = random([N, 1, OW, C]);
const pad = [
  [0, 0],
  [0, 0],
  [P, P],
  [0, 0],
];
const convAttrs = { strides: [1, S], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
const convGflop = (2 * N * OW * K * C * C) / 1e9;

// Matmuls.
const a = random([1024, 512]);
const b = random([512, 512]);
const scores = random([12, 1024, 512]);
const targets = random([12, 512, 10]);
const dScores = random([12, 1024, 10]);
const mmGflop = (2 * 1024 * 512 * 512) / 1e9;

// Vision ResNet convs on one image's 49 patches of 16×16 (the benchmark note used 196).
const P3 = random([49, 16, 16, 64]);
const W3 = random([3, 3, 64, 64]);
const P1 = random([49, 16, 16, 256]);
const W1 = random([1, 1, 256, 64]);
const dyV = random([49, 16, 16, 64]);
const pad1 = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];
const v3Attrs = { strides: [1, 1], pad: pad1, dataFormat: 'NHWC' } as never;
const v1Attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC' } as never;
const v3Gflop = (2 * 49 * 256 * 9 * 64 * 64) / 1e9;
const v1Gflop = (2 * 49 * 256 * 256 * 64) / 1e9;
const nceGflop = (2 * 12 * 1024 * 512 * 10) / 1e9;

console.log(
  `wasm backend, 1 thread; conv input ${N}×${W}×${C}, k ${K}, s ${S}, pad ${P}, out ${OW}\n`,
);
report([
  {
    name: `audio L2 conv forward`,
    gflop: convGflop,
    run: () => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, [1, S], pad as never),
  },
  {
    name: `audio L2 conv BPI (dx)`,
    gflop: convGflop,
    run: () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        ...convAttrs,
        inputShape: x.shape,
      } as never) as Tensor,
  },
  {
    name: `audio L2 conv BPF (dW)`,
    gflop: convGflop,
    run: () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        ...convAttrs,
        filterShape: filter.shape,
      } as never) as Tensor,
  },
  {
    name: 'vision 3×3 64→64 BPI',
    gflop: v3Gflop,
    run: () =>
      runBackprop('Conv2DBackpropInput', { dy: dyV, filter: W3 }, v3Attrs, {
        inputShape: P3.shape,
      }),
  },
  {
    name: 'vision 3×3 64→64 BPF',
    gflop: v3Gflop,
    run: () =>
      runBackprop('Conv2DBackpropFilter', { x: P3, dy: dyV }, v3Attrs, { filterShape: W3.shape }),
  },
  {
    name: 'vision 1×1 256→64 BPI',
    gflop: v1Gflop,
    run: () =>
      runBackprop('Conv2DBackpropInput', { dy: dyV, filter: W1 }, v1Attrs, {
        inputShape: P1.shape,
      }),
  },
  {
    name: 'vision 1×1 256→64 BPF',
    gflop: v1Gflop,
    run: () =>
      runBackprop('Conv2DBackpropFilter', { x: P1, dy: dyV }, v1Attrs, { filterShape: W1.shape }),
  },
  { name: 'matmul 1024×512·512×512', gflop: mmGflop, run: () => tf.matMul(a, b) },
  { name: 'matmul 1024×512·(512×512)ᵀ', gflop: mmGflop, run: () => tf.matMul(a, b, false, true) },
  { name: 'matmul (1024×512)ᵀ·1024×512', gflop: mmGflop, run: () => tf.matMul(a, a, true, false) },
  {
    name: 'InfoNCE [12,1024,512]·[12,512,10]',
    gflop: nceGflop,
    run: () => tf.matMul(scores, targets),
  },
  {
    name: 'InfoNCE dA: [12,1024,10]·[12,512,10]ᵀ',
    gflop: nceGflop,
    run: () => tf.matMul(dScores, targets, false, true),
  },
  {
    name: 'InfoNCE dB: [12,1024,512]ᵀ·[12,1024,10]',
    gflop: nceGflop,
    run: () => tf.matMul(scores, dScores, true, false),
  },
]);
