/**
 * Op cases for the native-vs-cpu parity tests. Each case builds its inputs from a seeded
 * generator, so both backends see the same numbers. `f` gets the float inputs (the ones the
 * gradient is taken with respect to) and the int32 inputs separately.
 */
import { tf, type Tensor } from '../../src/backend/tf.js';

export type InputKind = 'normal' | 'positive' | 'near-one';

export interface OpCase {
  readonly name: string;
  readonly floats: ReadonlyArray<readonly number[] | { shape: number[]; kind: InputKind }>;
  readonly ints?: ReadonlyArray<{ shape: number[]; max: number }>;
  readonly f: (xs: Tensor[], ints: Tensor[]) => Tensor;
  /** Also compare gradients with respect to every float input (default true). */
  readonly grad?: boolean;
}

const pos = (shape: number[]) => ({ shape, kind: 'positive' as const });

export const BINARY_CASES: OpCase[] = [];
const binaryOps: Array<[string, (a: Tensor, b: Tensor) => Tensor]> = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
  ['maximum', tf.maximum],
  ['minimum', tf.minimum],
  ['squaredDifference', tf.squaredDifference],
];
const binaryShapes: Array<[number[], number[]]> = [
  [
    [3, 4, 5],
    [3, 4, 5],
  ],
  [
    [3, 1, 5],
    [4, 1],
  ],
  [[], [2, 3]],
  [[2, 3, 4], [4]],
  [
    [64, 1024],
    [64, 1024],
  ],
  [[8, 64, 512], [512]],
  [
    [8, 64, 1],
    [8, 1, 96],
  ],
  [
    [1, 40000],
    [3, 1],
  ],
];
for (const [name, op] of binaryOps) {
  for (const [a, b] of binaryShapes) {
    // Division needs a divisor away from zero; the others take any values.
    const bIn = name === 'div' ? pos(b) : b;
    // TF.js's gradients of these three do not reduce over broadcast axes (on every backend).
    const grad =
      JSON.stringify(a) === JSON.stringify(b) ||
      !['maximum', 'minimum', 'squaredDifference'].includes(name);
    BINARY_CASES.push({
      name: `${name} ${JSON.stringify(a)} ${JSON.stringify(b)}`,
      floats: [a, bIn],
      f: ([x, y]) => op(x!, y!),
      grad,
    });
  }
}
BINARY_CASES.push({ name: 'pow', floats: [pos([4, 50]), [50]], f: ([x, y]) => tf.pow(x!, y!) });

export const UNARY_CASES: OpCase[] = [];
const unaryOps: Array<[string, (x: Tensor) => Tensor, boolean]> = [
  ['relu', tf.relu, false],
  ['step', (x) => tf.step(x, 0.25), false],
  ['sigmoid', tf.sigmoid, false],
  ['tanh', tf.tanh, false],
  ['exp', tf.exp, false],
  ['log', tf.log, true],
  ['neg', tf.neg, false],
  ['square', tf.square, false],
  ['sqrt', tf.sqrt, true],
  ['rsqrt', tf.rsqrt, true],
  ['abs', tf.abs, false],
  ['reciprocal', tf.reciprocal, true],
];
for (const [name, op, positive] of unaryOps) {
  for (const shape of [
    [7, 9],
    [80, 1000],
  ]) {
    UNARY_CASES.push({
      name: `${name} ${JSON.stringify(shape)}`,
      floats: [positive ? pos(shape) : shape],
      f: ([x]) => op(x!),
    });
  }
}

export const REDUCE_CASES: OpCase[] = [];
const reduceOps: Array<[string, (x: Tensor, axis?: number[], keep?: boolean) => Tensor]> = [
  ['sum', tf.sum],
  ['mean', tf.mean],
  ['max', tf.max],
  ['min', tf.min],
  ['prod', tf.prod],
];
const reduceAxes: Array<[number[], number[] | undefined, boolean]> = [
  [[4, 5, 6], [0], false],
  [[4, 5, 6], [1], true],
  [[4, 5, 6], [2], false],
  [[4, 5, 6], [0, 2], false],
  [[4, 5, 6], undefined, false],
  [[4, 1, 6], [1], false],
  [[8, 512, 64], [0, 1], false],
  [[8, 64, 512], [2], true],
];
for (const [name, op] of reduceOps) {
  for (const [shape, axis, keep] of reduceAxes) {
    // Products of hundreds of values only stay finite near one.
    const input = name === 'prod' ? { shape, kind: 'near-one' as const } : shape;
    REDUCE_CASES.push({
      name: `${name} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}${keep ? ' keepDims' : ''}`,
      floats: [input],
      f: ([x]) => op(x!, axis, keep),
    });
  }
}
REDUCE_CASES.push(
  { name: 'softmax [5,7]', floats: [[5, 7]], f: ([x]) => tf.softmax(x!) },
  { name: 'softmax [1024,11]', floats: [[1024, 11]], f: ([x]) => tf.softmax(x!) },
  { name: 'logSoftmax [3,4,10]', floats: [[3, 4, 10]], f: ([x]) => tf.logSoftmax(x!) },
);

export const MATMUL_CASES: OpCase[] = [
  {
    name: 'matmul [7,5]x[5,3]',
    floats: [
      [7, 5],
      [5, 3],
    ],
    f: ([a, b]) => tf.matMul(a!, b!),
  },
  {
    name: 'matmul aT',
    floats: [
      [5, 7],
      [5, 3],
    ],
    f: ([a, b]) => tf.matMul(a!, b!, true, false),
  },
  {
    name: 'matmul bT',
    floats: [
      [7, 5],
      [3, 5],
    ],
    f: ([a, b]) => tf.matMul(a!, b!, false, true),
  },
  {
    name: 'matmul aT bT',
    floats: [
      [5, 7],
      [3, 5],
    ],
    f: ([a, b]) => tf.matMul(a!, b!, true, true),
  },
  {
    name: 'batched [4,7,5]x[4,5,3]',
    floats: [
      [4, 7, 5],
      [4, 5, 3],
    ],
    f: ([a, b]) => tf.matMul(a!, b!),
  },
  {
    name: 'broadcast [4,7,5]x[5,3]',
    floats: [
      [4, 7, 5],
      [5, 3],
    ],
    f: ([a, b]) => tf.matMul(a!, b!),
    grad: false,
  },
  // TF.js's BatchMatMul gradient does not reduce over a broadcast batch (on every backend).
  {
    name: 'broadcast [1,7,5]x[3,5,2]',
    floats: [
      [1, 7, 5],
      [3, 5, 2],
    ],
    f: ([a, b]) => tf.matMul(a!, b!),
    grad: false,
  },
  {
    name: 'InfoNCE-like [64,1,32]x[64,32,10]',
    floats: [
      [64, 1, 32],
      [64, 32, 10],
    ],
    f: ([a, b]) => tf.matMul(a!, b!),
  },
  {
    name: 'large [256,512]x[512,128]',
    floats: [
      [256, 512],
      [512, 128],
    ],
    f: ([a, b]) => tf.matMul(a!, b!),
  },
];
