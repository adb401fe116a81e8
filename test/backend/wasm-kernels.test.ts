/**
 * Our wasm training kernels against the cpu backend (the reference): forward values and gradients
 * through tf.conv2d, tf.matMul and tf.gather, on shapes that cover the audio and vision encoders.
 * Each case also checks that no tensor and no backend buffer is left behind on wasm.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import type { Tensor } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { registerWasmTrainingKernels } from '../../src/backend/wasm-kernels/index.js';
import { simdProductAvailable } from '../../src/backend/wasm-kernels/small-matmul.js';
import type { WasmBackend } from '../../src/backend/wasm-kernels/heap.js';
import { Rng } from '../../src/backend/random.js';
import { relativeError } from '../helpers/assert-close.js';

const TOLERANCE = 1e-4;

type Arrays = Float32Array[];

function randomArray(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniformRange(-1, 1);
  return out;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Runs `compute` on cpu and on wasm (or `reference` on cpu, when given); compares each output;
 * checks that wasm leaks neither tensors nor backend buffers (our kernels' intermediates).
 */
async function compareBackends(
  label: string,
  compute: () => Tensor[],
  reference = compute,
): Promise<void> {
  await initBackend('cpu');
  const expected = runAndRead(reference);
  await initBackend('wasm');
  const backend = tf.engine().backend;
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = backend.numDataIds();
  const actual = runAndRead(compute);
  assert.equal(tf.memory().numTensors, tensorsBefore, `${label}: leaked tensors`);
  assert.equal(backend.numDataIds(), buffersBefore, `${label}: leaked wasm buffers`);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = relativeError(actual[i]!, expected[i]!);
    assert.ok(
      err < TOLERANCE,
      `${label}: output ${i} relative error ${err.toExponential(2)} ≥ ${TOLERANCE}`,
    );
    // Guards against comparing two all-zero results (a test that could not fail).
    assert.ok(
      expected[i]!.some((v) => v !== 0),
      `${label}: output ${i} is all zeros`,
    );
  }
}

function runAndRead(compute: () => Tensor[]): Arrays {
  const outs = tf.tidy(compute);
  const arrays = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return arrays;
}

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number[][];
}

const hPad = (p: number, q = p): number[][] => [
  [0, 0],
  [0, 0],
  [p, q],
  [0, 0],
];
const hwPad = (p: number): number[][] => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

const CONV_CASES: ConvCase[] = [
  {
    name: 'audio k10 s5 p2, Cin 1',
    x: [2, 1, 64, 1],
    filter: [1, 10, 1, 8],
    strides: [1, 5],
    pad: hPad(2),
  },
  {
    name: 'audio k8 s4 p2, Cin 6',
    x: [2, 1, 40, 6],
    filter: [1, 8, 6, 8],
    strides: [1, 4],
    pad: hPad(2),
  },
  { name: 'audio k4 s2 p2', x: [2, 1, 21, 5], filter: [1, 4, 5, 6], strides: [1, 2], pad: hPad(2) },
  { name: 'audio k4 s2 p1', x: [3, 1, 20, 4], filter: [1, 4, 4, 5], strides: [1, 2], pad: hPad(1) },
  {
    name: 'vision 3x3 s1 p1',
    x: [2, 8, 8, 3],
    filter: [3, 3, 3, 4],
    strides: [1, 1],
    pad: hwPad(1),
  },
  {
    name: 'vision 3x3 s2 p1',
    x: [2, 8, 8, 3],
    filter: [3, 3, 3, 4],
    strides: [2, 2],
    pad: hwPad(1),
  },
  {
    name: 'vision 3x3 s2 same',
    x: [2, 7, 8, 3],
    filter: [3, 3, 3, 4],
    strides: [2, 2],
    pad: 'same',
  },
  {
    name: '3x3 s2 valid (unreached last col)',
    x: [2, 9, 10, 3],
    filter: [3, 3, 3, 4],
    strides: [2, 2],
    pad: 'valid',
  },
  { name: 'vision 1x1 s1', x: [2, 6, 6, 8], filter: [1, 1, 8, 5], strides: [1, 1], pad: 'valid' },
  { name: 'vision 1x1 s2', x: [2, 8, 8, 4], filter: [1, 1, 4, 6], strides: [2, 2], pad: 'valid' },
  {
    name: 'vision 5x5 s1 p2',
    x: [1, 9, 9, 2],
    filter: [5, 5, 2, 3],
    strides: [1, 1],
    pad: hwPad(2),
  },
  {
    name: 'asymmetric pad 1/2, s3',
    x: [2, 1, 23, 3],
    filter: [1, 5, 3, 4],
    strides: [1, 3],
    pad: hPad(1, 2),
  },
];

describe('wasm training kernels', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('registers its kernels for the wasm backend, once', () => {
    const names = registerWasmTrainingKernels();
    assert.deepEqual(names.sort(), [
      'BatchMatMul',
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'GatherV2',
      'Slice',
      'SplitV',
      'Transpose',
      'Unpack',
      'UnsortedSegmentSum',
    ]);
    for (const name of names) assert.ok(tf.getKernel(name, 'wasm'), `${name} registered`);
    assert.deepEqual(registerWasmTrainingKernels().sort(), names);
  });

  it('runs tiny batched products on its own SIMD module over the backend heap', async () => {
    await initBackend('wasm');
    // Without it the matMul cases below would still pass, on the slow stock loop.
    assert.ok(simdProductAvailable(tf.engine().backend as unknown as WasmBackend));
  });

  for (const c of CONV_CASES) {
    it(`conv2d forward and gradients match cpu: ${c.name}`, async () => {
      const rng = new Rng(11);
      const xv = randomArray(rng, size(c.x));
      const fv = randomArray(rng, size(c.filter));
      // The weighting makes every output element's gradient different (a plain sum would not).
      const yShape = tf.tidy(
        () =>
          tf.conv2d(
            tf.zeros(c.x) as tf.Tensor4D,
            tf.zeros(c.filter) as tf.Tensor4D,
            c.strides,
            c.pad as 'same',
          ).shape,
      );
      const rv = randomArray(rng, size(yShape));
      await compareBackends(c.name, () => {
        const x = tf.tensor4d(xv, c.x);
        const f = tf.tensor4d(fv, c.filter);
        const r = tf.tensor(rv, yShape);
        const y = tf.conv2d(x, f, c.strides, c.pad as 'same');
        const [dx, df] = tf.grads((a: Tensor, b: Tensor) =>
          tf.sum(
            tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as 'same'), r),
          ),
        )([x, f]);
        return [y, dx!, df!];
      });
    });
  }

  it('conv2d backprop kernels accept NCHW', async () => {
    const rng = new Rng(5);
    const x = randomArray(rng, 2 * 3 * 1 * 17);
    const dy = randomArray(rng, 2 * 4 * 1 * 8);
    const w = randomArray(rng, 1 * 4 * 3 * 4);
    const attrs = {
      strides: [1, 2],
      pad: [
        [0, 0],
        [0, 0],
        [0, 0],
        [1, 1],
      ],
      dataFormat: 'NCHW',
    };
    await compareBackends('NCHW', () => {
      const xt = tf.tensor4d(x, [2, 3, 1, 17]);
      const dyt = tf.tensor4d(dy, [2, 4, 1, 8]);
      const wt = tf.tensor4d(w, [1, 4, 3, 4]);
      const dW = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: xt, dy: dyt },
          { ...attrs, filterShape: [1, 4, 3, 4] },
        );
      const dX = tf
        .engine()
        .runKernel(
          'Conv2DBackpropInput',
          { dy: dyt, filter: wt },
          { ...attrs, inputShape: [2, 3, 1, 17] },
        );
      return [dW as Tensor, dX as Tensor];
    });
  });

  // Products of ≥ 16384 multiply-adds per batch take the XNNPACK path; smaller same-batch ones our
  // SIMD loops (small-matmul.ts) where the layout allows, else the stock loop.
  const MATMUL_GRAD_CASES: [number[], number[]][] = [
    [
      [5, 7],
      [7, 6],
    ], // small: stock loop
    [
      [48, 40],
      [40, 24],
    ],
    [
      [2, 40, 24],
      [2, 24, 20],
    ],
    [
      [4, 64, 32],
      [4, 32, 10],
    ], // InfoNCE-like: steps × positions × channels
    [
      [37, 12, 64],
      [37, 64, 10],
    ], // InfoNCE scores: tiny same-batch products, on the SIMD loops (dot; axpy in the gradients)
    [
      [6, 5, 6],
      [6, 6, 8],
    ], // SIMD axpy with an inner size that is not a multiple of 4
    [
      [2, 3, 40, 24],
      [2, 3, 24, 20],
    ],
  ];
  for (const [aShape, bShape] of MATMUL_GRAD_CASES) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const label = `matMul ${JSON.stringify(aShape)}x${JSON.stringify(bShape)} tA=${tA} tB=${tB}`;
      it(`${label}: forward and gradients match cpu`, async () => {
        const rng = new Rng(3);
        const swapLast = (s: number[]): number[] => [
          ...s.slice(0, -2),
          s[s.length - 1]!,
          s[s.length - 2]!,
        ];
        const aS = tA ? swapLast(aShape) : aShape;
        const bS = tB ? swapLast(bShape) : bShape;
        const av = randomArray(rng, size(aS));
        const bv = randomArray(rng, size(bS));
        const rv = randomArray(rng, size([...aShape.slice(0, -1), bShape[bShape.length - 1]!]));
        await compareBackends(label, () => {
          const a = tf.tensor(av, aS);
          const b = tf.tensor(bv, bS);
          const r = tf.tensor(rv, [...aShape.slice(0, -1), bShape[bShape.length - 1]!]);
          const y = tf.matMul(a, b, tA, tB);
          const [da, db] = tf.grads((p: Tensor, q: Tensor) =>
            tf.sum(tf.mul(tf.matMul(p, q, tA, tB), r)),
          )([a, b]);
          return [y, da!, db!];
        });
      });
    }
  }

  const BROADCAST_CASES: [number[], number[], boolean, boolean][] = [
    [[3, 5, 7], [7, 6], false, false],
    [[3, 7, 5], [6, 7], true, true],
    [[5, 7], [3, 7, 6], false, false],
    [[5, 7], [3, 6, 7], false, true],
    [[2, 1, 5, 7], [1, 3, 7, 6], false, false],
    [[2, 1, 7, 5], [3, 7, 6], true, false],
    [[3, 5, 7], [1, 7, 6], false, false],
  ];
  for (const [aS, bS, tA, tB] of BROADCAST_CASES) {
    it(`batched matMul broadcasts like cpu: ${JSON.stringify(aS)}x${JSON.stringify(bS)} tA=${tA} tB=${tB}`, async () => {
      const rng = new Rng(9);
      const av = randomArray(rng, size(aS));
      const bv = randomArray(rng, size(bS));
      const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(
        aS.slice(0, -2),
        bS.slice(0, -2),
      );
      await compareBackends(
        'broadcast matMul',
        () => [tf.matMul(tf.tensor(av, aS), tf.tensor(bv, bS), tA, tB)],
        // cpu's BatchMatMul mis-sizes its output when both operands broadcast; tile them first.
        () => [
          tf.matMul(
            tf.broadcastTo(tf.tensor(av, aS), [...outBatch, ...aS.slice(-2)]),
            tf.broadcastTo(tf.tensor(bv, bS), [...outBatch, ...bS.slice(-2)]),
            tA,
            tB,
          ),
        ],
      );
    });
  }

  it('gather gradient (UnsortedSegmentSum) matches cpu, with repeated and unused ids', async () => {
    const rng = new Rng(21);
    const params = randomArray(rng, 10 * 6);
    const ids = [3, 3, 0, 9, 3, 5, 0, 1];
    const rv = randomArray(rng, 2 * 4 * 6);
    await compareBackends('gather grad', () => {
      const p = tf.tensor2d(params, [10, 6]);
      const idx = tf.tensor2d(ids, [2, 4], 'int32');
      const r = tf.tensor3d(rv, [2, 4, 6]);
      const [dp] = tf.grads((q: Tensor) => tf.sum(tf.mul(tf.gather(q, idx), r)))([p]);
      // Gather along axis 1 too: its gradient transposes around the segment sum.
      const [dp1] = tf.grads((q: Tensor) =>
        tf.sum(tf.square(tf.gather(q, tf.tensor1d([5, 5, 2], 'int32'), 1))),
      )([p]);
      return [dp!, dp1!];
    });
  });

  it('gather (GatherV2) copies exactly what cpu does: long and short rows, axes, batchDims, int32', async () => {
    const rng = new Rng(23);
    const x3 = randomArray(rng, 4 * 7 * 20); // [4, 7, 20]: rows of 20 (copyWithin) on axis 0 and 1
    const ints = Array.from({ length: 4 * 7 * 3 }, (_, i) => ((i * 7919) % 1000) - 500);
    const run = (): Tensor[] => {
      const x = tf.tensor3d(x3, [4, 7, 20]);
      const xi = tf.tensor3d(ints, [4, 7, 3], 'int32');
      const rows = tf.tensor1d([3, 0, 3, 1, 2], 'int32');
      const cols = tf.tensor2d([6, 0, 6, 2, 5, 1], [2, 3], 'int32');
      const perBatch = tf.tensor2d([1, 6, 0, 0, 5, 5, 2, 3], [4, 2], 'int32');
      return [
        tf.gather(x, rows), // axis 0, slice 140
        tf.gather(x, cols, 1), // axis 1, slice 20, 2-D indices
        tf.gather(x, rows.slice(0, 4), 2), // axis 2, slice 1 (the short-row loop)
        tf.gather(x, perBatch, 1, 1), // batchDims 1
        tf.gather(xi, cols, 1), // int32, slice 3
      ];
    };
    await initBackend('cpu');
    const expected = tf.tidy(run).map((t) => {
      const v = { shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) };
      t.dispose();
      return v;
    });
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const buffersBefore = tf.engine().backend.numDataIds();
    const actual = tf.tidy(run);
    actual.forEach((t, i) => {
      assert.deepEqual(t.shape, expected[i]!.shape, `gather ${i}: shape`);
      assert.equal(t.dtype, expected[i]!.dtype, `gather ${i}: dtype`);
      assert.deepEqual(Array.from(t.dataSync()), expected[i]!.values, `gather ${i}: values`);
    });
    tf.dispose(actual);
    assert.equal(tf.memory().numTensors, before, 'gather: leaked tensors');
    assert.equal(tf.engine().backend.numDataIds(), buffersBefore, 'gather: leaked wasm buffers');
  });

  it('gather rejects an out-of-range index, naming it, without leaking', async () => {
    await initBackend('wasm');
    const buffersBefore = tf.engine().backend.numDataIds();
    assert.throws(
      () => tf.tidy(() => tf.gather(tf.zeros([5, 16]), tf.tensor1d([0, 5], 'int32'))),
      /GatherV2: index 1 is 5, expected a value in \[0, 4\]/,
    );
    assert.equal(tf.engine().backend.numDataIds(), buffersBefore);
  });

  it('gather gradient on rows of 4k floats (the SIMD scatter-add) matches cpu', async () => {
    const rng = new Rng(22);
    const params = randomArray(rng, 12 * 64);
    const ids = Array.from({ length: 40 }, (_, i) => (i * 7) % 11); // repeats; row 11 never used
    const rv = randomArray(rng, 40 * 64);
    await compareBackends('gather grad simd', () => {
      const p = tf.tensor2d(params, [12, 64]);
      const r = tf.tensor2d(rv, [40, 64]);
      const [dp] = tf.grads((q: Tensor) =>
        tf.sum(tf.mul(tf.gather(q, tf.tensor1d(ids, 'int32')), r)),
      )([p]);
      // Out-of-range ids (dropped) take the JS loop: same result as cpu either way.
      const dropped = tf.unsortedSegmentSum(r, tf.tensor1d([...ids.slice(0, 39), 12], 'int32'), 12);
      return [dp!, dropped];
    });
  });

  it('unsortedSegmentSum drops out-of-range ids and sums int32', async () => {
    await initBackend('wasm');
    const out = tf.tidy(() => {
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2], 'int32');
      const ids = tf.tensor1d([1, -1, 1, 7], 'int32');
      return tf.unsortedSegmentSum(x, ids, 3);
    });
    assert.equal(out.dtype, 'int32');
    assert.deepEqual(out.shape, [3, 2]);
    assert.deepEqual(Array.from(out.dataSync()), [0, 0, 6, 8, 0, 0]);
    out.dispose();
  });

  it('slice, split and unstack match cpu (values and gradients)', async () => {
    const rng = new Rng(17);
    const v4 = randomArray(rng, 3 * 4 * 5 * 6);
    const w = randomArray(rng, 3 * 4 * 5 * 6);
    await compareBackends('slice/split/unstack', () => {
      const x = tf.tensor4d(v4, [3, 4, 5, 6]);
      const weights = tf.tensor4d(w, [3, 4, 5, 6]);
      const outs: Tensor[] = [
        tf.slice(x, [1, 0, 0, 0], [2, -1, -1, -1]), // one contiguous run
        tf.slice(x, [0, 1, 2, 0], [3, 2, 3, 6]), // whole last axis: runs of 6·3
        tf.slice(x, [2, 3, 4, 5], [1, 1, 1, 1]), // one element
        tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, 4]), // runs of 4
        tf.slice(tf.tensor1d(v4.subarray(0, 10)), 3, 4),
        ...tf.split(x, [1, 3, 2], 3),
        ...tf.split(x, 2, 1),
        ...tf.unstack(x, 2),
        ...tf.unstack(x, 0),
      ];
      // Gradients go back through the same kernels (Pad, Concat/Stack on the way back).
      const [g] = tf.grads((t: Tensor) =>
        tf.addN([
          tf.sum(
            tf.mul(
              tf.slice(t, [0, 1, 1, 1], [2, 2, 3, 4]),
              tf.slice(weights, [0, 1, 1, 1], [2, 2, 3, 4]),
            ),
          ),
          tf.sum(tf.mul(tf.stack(tf.unstack(t, 1), 1), weights)),
          tf.sum(tf.square(tf.split(t, [2, 4], 3)[1]!)),
        ]),
      )([x]);
      return [...outs, g!];
    });
    await initBackend('wasm');
    const ints = tf.tidy(() =>
      tf.slice(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [0, 1], [2, 2]),
    );
    assert.equal(ints.dtype, 'int32');
    assert.deepEqual(Array.from(ints.dataSync()), [2, 3, 5, 6]);
    ints.dispose();
  });

  it('a whole small CPC-style training step has the same loss and gradients as cpu', async () => {
    // Strided conv1d-as-conv2d stack with padding + ReLU, a prediction matmul, negatives by gather,
    // log-softmax over positive + negatives, mean: every kernel above, chained.
    const rng = new Rng(29);
    const C = 16;
    const layers: [number, number, number, number][] = [
      [10, 5, 2, 1],
      [8, 4, 2, C],
      [4, 2, 1, C],
    ];
    const weights = layers.map(([k, , , cin]) => randomArray(rng, k * cin * C).map((v) => v * 0.3));
    const wk = randomArray(rng, C * C).map((v) => v * 0.3);
    const input = randomArray(rng, 2 * 400);
    await compareBackends('training step', () => {
      const ws = layers.map(([k, , , cin], i) => tf.tensor4d(weights[i]!, [1, k, cin, C]));
      const wkT = tf.tensor2d(wk, [C, C]);
      const x = tf.tensor4d(input, [2, 1, 400, 1]);
      const lossOf = (...params: Tensor[]): tf.Scalar => {
        let h = x;
        layers.forEach(([, s, p], i) => {
          const pad: [[number, number], [number, number], [number, number], [number, number]] = [
            [0, 0],
            [0, 0],
            [p, p],
            [0, 0],
          ];
          h = tf.relu(tf.conv2d(h, params[i] as tf.Tensor4D, [1, s], pad));
        });
        const z = tf.reshape(h, [-1, C]); // [B·T, C]
        const n = z.shape[0]!;
        const negIds = tf.tensor1d(
          Array.from({ length: n * 5 }, (_, i) => (i * 7 + 3) % n),
          'int32',
        );
        const pred = tf.matMul(z, params[layers.length] as tf.Tensor2D); // [B·T, C]
        const negs = tf.reshape(tf.gather(z, negIds), [n, 5, C]); // [B·T, 5, C]
        const pos = tf.sum(tf.mul(pred, z), -1, true); // [B·T, 1]
        const neg = tf.squeeze(tf.matMul(negs, tf.expandDims(pred, 2)), [2]); // [B·T, 5]
        const logits = tf.concat([pos, neg], 1); // [B·T, 6]
        return tf.neg(tf.mean(tf.slice(tf.logSoftmax(logits), [0, 0], [-1, 1]))) as tf.Scalar;
      };
      const params = [...ws, wkT];
      const { value, grads } = tf.valueAndGrads(lossOf)(params);
      return [tf.reshape(value, [1]), ...grads];
    });
  });

  it('transpose matches cpu for every permutation pattern (tiled, row copies, stock)', async () => {
    const rng = new Rng(31);
    const cases: [number[], number[]][] = [
      [
        [37, 45],
        [1, 0],
      ],
      [
        [3, 33, 70],
        [0, 2, 1],
      ],
      [
        [40, 3, 35],
        [2, 1, 0],
      ],
      [
        [5, 6, 7],
        [1, 0, 2],
      ],
      [
        [2, 1, 9, 5],
        [3, 1, 2, 0],
      ], // the filter-gradient input layout
      [
        [2, 1, 9, 5],
        [1, 2, 0, 3],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 3, 1],
      ], // NCHW → NHWC
      [
        [2, 3, 4, 5],
        [0, 2, 1, 3],
      ], // not simplified: stock kernel
      [
        [2, 3, 4, 5, 6],
        [4, 0, 3, 1, 2],
      ],
      [
        [4, 1, 1],
        [2, 1, 0],
      ],
      [[6], [0]],
    ];
    const values = cases.map(([shape]) => randomArray(rng, size(shape)));
    await compareBackends('transpose', () =>
      cases.map(([shape, perm], i) => tf.transpose(tf.tensor(values[i]!, shape), perm)),
    );
    await initBackend('wasm');
    const ints = tf.tidy(() => tf.transpose(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32')));
    assert.equal(ints.dtype, 'int32');
    assert.deepEqual(ints.shape, [3, 2]);
    assert.deepEqual(Array.from(ints.dataSync()), [1, 4, 2, 5, 3, 6]);
    ints.dispose();
  });

  it('conv2dTranspose (Conv2DBackpropInput as a forward op) and its gradients match cpu', async () => {
    const rng = new Rng(37);
    const cases: [number[], number[], number[], [number, number], 'same' | 'valid'][] = [
      [[2, 5, 6, 4], [3, 3, 3, 4], [2, 10, 12, 3], [2, 2], 'same'],
      [[2, 1, 9, 6], [1, 4, 5, 6], [2, 1, 20, 5], [1, 2], 'valid'],
    ];
    const data = cases.map(
      ([x, f]) => [randomArray(rng, size(x)), randomArray(rng, size(f))] as const,
    );
    await compareBackends('conv2dTranspose', () =>
      cases.flatMap(([xs, fs, outShape, strides, pad], i) => {
        const x = tf.tensor4d(data[i]![0], xs as [number, number, number, number]);
        const f = tf.tensor4d(data[i]![1], fs as [number, number, number, number]);
        const shape = outShape as [number, number, number, number];
        const y = tf.conv2dTranspose(x, f, shape, strides, pad);
        const [dx, df] = tf.grads((a: Tensor, b: Tensor) =>
          tf.sum(
            tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, shape, strides, pad)),
          ),
        )([x, f]);
        return [y, dx!, df!];
      }),
    );
  });
});
