/**
 * The native backend against the cpu reference: every overridden kernel, forward and gradient,
 * on seeded random inputs. Skipped, with the reason, where the addon is not built.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { loadNativeBackend, nativeAddon } from '../../src/backend/native/index.js';
import { FUSED_GRU, FUSED_GRU_GRAD } from '../../src/backend/fused-gru.js';
import { FUSED_ADAM } from '../../src/backend/fused-adam.js';
import { RELU_GRAD } from '../../src/backend/relu-grad.js';
import { relativeError } from '../helpers/assert-close.js';
import {
  BINARY_CASES,
  MATMUL_CASES,
  REDUCE_CASES,
  UNARY_CASES,
  type InputKind,
  type OpCase,
} from './native-cases.js';
import { CONV_CASES, SHAPE_CASES } from './native-cases-layout.js';

const native = loadNativeBackend();
const skip = native.ok ? false : `native backend unavailable: ${native.reason}`;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floats(n: number, kind: InputKind, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rand() * 2 - 1;
    out[i] = kind === 'positive' ? 0.5 + 1.5 * rand() : kind === 'near-one' ? 1 + 0.01 * u : 2 * u;
  }
  return out;
}

interface Outputs {
  readonly forward: Float32Array;
  readonly grads: Float32Array[];
}

/** Runs the case on the active backend and returns its outputs as plain arrays; checks for leaks. */
async function runCase(c: OpCase, seed: number): Promise<Outputs> {
  const rand = mulberry32(seed);
  const before = tf.memory().numTensors;
  const xs = c.floats.map((spec) => {
    const { shape, kind } = Array.isArray(spec)
      ? { shape: spec as number[], kind: 'normal' as const }
      : (spec as { shape: number[]; kind: InputKind });
    return tf.tensor(
      floats(
        shape.reduce((p, d) => p * d, 1),
        kind,
        rand,
      ),
      shape,
      'float32',
    );
  });
  const ints = (c.ints ?? []).map(({ shape, max }) => {
    const v = new Int32Array(shape.reduce((p, d) => p * d, 1)).map(() => Math.floor(rand() * max));
    return tf.tensor(v, shape, 'int32');
  });
  const y = tf.tidy(() => c.f(xs, ints));
  const forward = (await y.data()) as Float32Array;
  let grads: Float32Array[] = [];
  if (c.grad !== false) {
    const dy = tf.tensor(floats(y.size, 'normal', rand), y.shape, 'float32');
    const g = tf.grads((...args: Tensor[]) => c.f(args, ints))(xs, dy);
    grads = await Promise.all(g.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose([dy, ...g]);
  }
  tf.dispose([y, ...xs, ...ints]);
  assert.equal(
    tf.memory().numTensors,
    before,
    `${c.name}: leaked ${tf.memory().numTensors - before} tensors`,
  );
  return { forward, grads };
}

function parity(title: string, cases: OpCase[]): void {
  describe(title, { skip }, () => {
    cases.forEach((c, index) => {
      it(c.name, async () => {
        await initBackend('cpu');
        const want = await runCase(c, 1000 + index);
        await initBackend('native');
        const got = await runCase(c, 1000 + index);
        const err = relativeError(got.forward, want.forward);
        assert.ok(err < 1e-4, `${c.name}: forward relative error ${err}`);
        assert.equal(got.grads.length, want.grads.length);
        got.grads.forEach((g, i) => {
          const e = relativeError(g, want.grads[i]!);
          assert.ok(e < 1e-4, `${c.name}: gradient ${i} relative error ${e}`);
        });
      });
    });
  });
}

parity('native binary ops vs cpu', BINARY_CASES);
parity('native unary ops vs cpu', UNARY_CASES);
parity('native reductions and softmax vs cpu', REDUCE_CASES);
parity('native matmul vs cpu', MATMUL_CASES);
parity('native conv2d vs cpu', CONV_CASES);
parity('native shape kernels vs cpu', SHAPE_CASES);

describe('native backend registration', { skip }, () => {
  before(async () => {
    await initBackend('native');
  });

  it('reports oneDNN, OpenBLAS and its thread count', () => {
    assert.ok(native.ok);
    assert.ok(native.threads >= 1);
    assert.match(native.description, /^oneDNN \d+\.\d+\.\d+ \+ OpenBLAS \S+, \d+ threads$/);
  });

  it('overrides the hot kernels and keeps every other cpu kernel', () => {
    for (const name of [
      'Conv2D',
      'Conv2DBackpropInput',
      'Conv2DBackpropFilter',
      'BatchMatMul',
      'Add',
      'Sum',
      'Transpose',
      'GatherV2',
    ]) {
      assert.notEqual(
        tf.getKernel(name, 'native')?.kernelFunc,
        tf.getKernel(name, 'cpu')?.kernelFunc,
        name,
      );
    }
    const NATIVE_ONLY = new Set([FUSED_GRU, FUSED_GRU_GRAD, FUSED_ADAM, RELU_GRAD]);
    const cpuNames = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .sort();
    const nativeNames = tf
      .getKernelsForBackend('native')
      .map((k) => k.kernelName)
      .filter((name) => !NATIVE_ONLY.has(name))
      .sort();
    assert.deepEqual(nativeNames, cpuNames);
  });

  it('runs convolutions through oneDNN rather than falling back', () => {
    const before = nativeAddon()!.convCacheSize();
    const x = tf.ones([1, 1, 37, 3]) as tf.Tensor4D;
    const w = tf.ones([1, 5, 3, 2]) as tf.Tensor4D;
    const y = tf.conv2d(x, w, [1, 3], 'valid'); // a shape no other case uses
    assert.equal(nativeAddon()!.convCacheSize(), before + 1);
    assert.equal(y.dataSync()[0], 15);
    tf.dispose([x, w, y]);
  });

  it('falls back to the cpu kernel for int32 data', async () => {
    const a = tf.tensor([1, 2, 3], [3], 'int32');
    const s = tf.sum(a.add(a));
    assert.equal(s.dtype, 'int32');
    assert.equal((await s.data())[0], 12);
    tf.dispose([a, s]);
  });

  it('rejects an out-of-range gather index', () => {
    const x = tf.ones([3, 2]);
    const i = tf.tensor([0, 3], [2], 'int32');
    assert.throws(() => tf.gather(x, i), /index value 3 is not in \[0, 2\]/);
    tf.dispose([x, i]);
  });
});

describe('native backend buffer pool', { skip }, () => {
  before(async () => {
    await initBackend('native');
  });
  const n = 8192; // above the pool's minimum length
  const base = () =>
    tf.tensor(
      Float32Array.from({ length: n }, (_, i) => i % 97),
      [n],
    );

  it('reuses the array of a disposed kernel output for the next output of that length', () => {
    const pool = tf.backend() as unknown as { pooledArrays(): number };
    const x = base();
    const before = pool.pooledArrays();
    tf.mul(x, 2).dispose();
    assert.equal(pool.pooledArrays(), before + 1);
    const y = tf.mul(x, 3);
    assert.equal(pool.pooledArrays(), before);
    assert.equal(y.dataSync()[5], 15);
    tf.dispose([x, y]);
  });

  it('never recycles an array handed out by dataSync()', () => {
    const x = base();
    const t = tf.mul(x, 2);
    const values = t.dataSync();
    const copy = values.slice();
    t.dispose();
    for (let i = 0; i < 3; i++) tf.mul(x, 7).dispose();
    assert.deepEqual(values, copy);
    x.dispose();
  });

  it('keeps an array alive while a cpu-made view of it is alive', () => {
    const x = base();
    const y = tf.mul(x, 2);
    const view = tf.slice(y, [0], [n / 2]); // contiguous: the cpu kernel returns a subarray view
    y.dispose();
    const other = tf.mul(x, 5); // would land in y's array if it had been recycled
    const got = tf.tidy(() =>
      tf
        .sub(view, tf.slice(x, [0], [n / 2]).mul(2))
        .abs()
        .max(),
    );
    assert.equal(got.dataSync()[0], 0);
    tf.dispose([x, view, other, got]);
  });
});

describe('native backend fallback', () => {
  const probe = (addon: string) => {
    const script =
      "import { loadNativeBackend } from './src/backend/native/index.ts';" +
      'console.log(JSON.stringify(loadNativeBackend()));';
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        env: { ...process.env, GIM_NATIVE_ADDON: addon },
        encoding: 'utf8',
      },
    );
    assert.equal(res.status, 0, res.stderr);
    return JSON.parse(res.stdout.trim().split('\n').pop()!) as { ok: boolean; reason?: string };
  };

  it('reports ok: false with a reason when the addon file is missing', () => {
    const status = probe('/nonexistent/gim_native.node');
    assert.equal(status.ok, false);
    assert.match(
      status.reason!,
      /addon not built \(\/nonexistent\/gim_native\.node does not exist/,
    );
  });

  it('reports ok: false with the loader error when the addon file is not a valid addon', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'gim-native-')), 'bad.node');
    writeFileSync(bad, 'not an ELF file');
    const status = probe(bad);
    assert.equal(status.ok, false);
    assert.match(status.reason!, /addon failed to load from .*bad\.node: /);
  });
});
