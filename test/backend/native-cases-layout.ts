/**
 * Convolution and data-movement cases for the native-vs-cpu parity tests (see native-cases.ts).
 */
import { tf, type Tensor } from '../../src/backend/tf.js';
import type { OpCase } from './native-cases.js';

type T4 = tf.Tensor4D;
const pad1d = (
  p: number,
): [[number, number], [number, number], [number, number], [number, number]] => [
  [0, 0],
  [0, 0],
  [p, p],
  [0, 0],
];
const conv =
  (stride: [number, number] | number, pad: Parameters<typeof tf.conv2d>[3]) =>
  ([x, w]: Tensor[]) =>
    tf.conv2d(x as T4, w as T4, stride, pad);

export const CONV_CASES: OpCase[] = [
  // The audio encoder's strided conv1d layers, as conv2d with H = 1 and explicit padding.
  {
    name: 'audio k10 s5 p2',
    floats: [
      [2, 1, 210, 1],
      [1, 10, 1, 16],
    ],
    f: conv([1, 5], pad1d(2)),
  },
  // Fewer than 16 input channels but more than one: native/conv.cc's NHWC-output forward path.
  {
    name: 'conv1d 3 channels k5 s2 p1',
    floats: [
      [2, 1, 50, 3],
      [1, 5, 3, 8],
    ],
    f: conv([1, 2], pad1d(1)),
  },
  {
    name: 'audio k8 s4 p2',
    floats: [
      [2, 1, 83, 16],
      [1, 8, 16, 16],
    ],
    f: conv([1, 4], pad1d(2)),
  },
  {
    name: 'audio k4 s2 p2',
    floats: [
      [2, 1, 41, 16],
      [1, 4, 16, 16],
    ],
    f: conv([1, 2], pad1d(2)),
  },
  {
    name: 'audio k4 s2 p1',
    floats: [
      [2, 1, 21, 32],
      [1, 4, 32, 24],
    ],
    f: conv([1, 2], pad1d(1)),
  },
  // Vision: 3x3 stride 1 and 2, 1x1, 5x5 with padding 2, and 'valid'.
  {
    name: 'vision 3x3 s1 same',
    floats: [
      [2, 8, 8, 16],
      [3, 3, 16, 16],
    ],
    f: conv(1, 'same'),
  },
  {
    name: 'vision 3x3 s2 pad1',
    floats: [
      [2, 9, 9, 8],
      [3, 3, 8, 16],
    ],
    f: conv(2, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]),
  },
  {
    name: 'vision 1x1',
    floats: [
      [3, 6, 6, 32],
      [1, 1, 32, 16],
    ],
    f: conv(1, 'valid'),
  },
  {
    name: 'vision 5x5 p2',
    floats: [
      [2, 7, 7, 3],
      [5, 5, 3, 8],
    ],
    f: conv(1, [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ]),
  },
  {
    name: '3x3 s2 valid, odd size',
    floats: [
      [1, 10, 11, 4],
      [3, 3, 4, 5],
    ],
    f: conv(2, 'valid'),
  },
];

export const SHAPE_CASES: OpCase[] = [
  { name: 'transpose [1,0]', floats: [[37, 53]], f: ([x]) => tf.transpose(x!) },
  {
    name: 'transpose [0,2,1,3]',
    floats: [[2, 3, 4, 5]],
    f: ([x]) => tf.transpose(x!, [0, 2, 1, 3]),
  },
  {
    name: 'transpose [2,0,1] large',
    floats: [[64, 128, 32]],
    f: ([x]) => tf.transpose(x!, [2, 0, 1]),
  },
  { name: 'transpose [1,2,0]', floats: [[5, 1, 7]], f: ([x]) => tf.transpose(x!, [1, 2, 0]) },
  {
    name: 'transpose identity order',
    floats: [[5, 1, 7]],
    f: ([x]) => tf.transpose(x!, [1, 0, 2]).mul(2),
  },
  { name: 'tile [2,3] x [2,2]', floats: [[2, 3]], f: ([x]) => tf.tile(x!, [2, 2]) },
  { name: 'tile [1,5,1] x [3,1,4]', floats: [[1, 5, 1]], f: ([x]) => tf.tile(x!, [3, 1, 4]) },
  { name: 'slice strided', floats: [[4, 5, 6]], f: ([x]) => tf.slice(x!, [1, 0, 2], [2, 5, 3]) },
  { name: 'slice contiguous', floats: [[4, 5, 6]], f: ([x]) => tf.slice(x!, [1, 0, 0], [2, 5, 6]) },
  {
    name: 'pad zero',
    floats: [[3, 4]],
    f: ([x]) =>
      tf.pad(x!, [
        [1, 2],
        [0, 3],
      ]),
  },
  {
    name: 'pad 1.5',
    floats: [[2, 3, 4]],
    f: ([x]) =>
      tf.pad(
        x!,
        [
          [0, 1],
          [2, 0],
          [1, 1],
        ],
        1.5,
      ),
  },
  {
    name: 'concat axis 0',
    floats: [
      [2, 3],
      [4, 3],
    ],
    f: ([a, b]) => tf.concat([a!, b!], 0),
  },
  {
    name: 'concat axis 1',
    floats: [
      [2, 3, 2],
      [2, 5, 2],
      [2, 1, 2],
    ],
    f: ([a, b, c]) => tf.concat([a!, b!, c!], 1),
  },
  {
    name: 'concat axis 2',
    floats: [
      [2, 3, 2],
      [2, 3, 7],
    ],
    f: ([a, b]) => tf.concat([a!, b!], 2),
  },
  {
    name: 'stack axis 0',
    floats: [
      [3, 4],
      [3, 4],
    ],
    f: ([a, b]) => tf.stack([a!, b!], 0),
  },
  {
    name: 'stack axis 2',
    floats: [
      [3, 4],
      [3, 4],
      [3, 4],
    ],
    f: ([a, b, c]) => tf.stack([a!, b!, c!], 2),
  },
  {
    name: 'unstack axis 1',
    floats: [[3, 4, 5]],
    f: ([x]) =>
      tf.concat(
        tf.unstack(x!, 1).map((t, i) => t.mul(i + 1)),
        1,
      ),
  },
  {
    name: 'unstack axis 0 (time-major GRU)',
    floats: [[6, 2, 3]],
    f: ([x]) =>
      tf.stack(
        tf.unstack(x!, 0).map((t, i) => t.mul(i + 1)),
        1,
      ),
  },
  {
    name: 'split axis 1 sizes',
    floats: [[4, 9]],
    f: ([x]) =>
      tf.concat(
        tf.split(x!, [2, 3, 4], 1).map((t, i) => t.mul(i + 1)),
        1,
      ),
  },
  {
    name: 'split axis 0',
    floats: [[6, 3]],
    f: ([x]) =>
      tf.concat(
        tf.split(x!, 3, 0).map((t, i) => t.mul(i + 1)),
        1,
      ),
  },
  {
    name: 'gather axis 0',
    floats: [[10, 4]],
    ints: [{ shape: [7], max: 10 }],
    f: ([x], [i]) => tf.gather(x!, i!, 0),
  },
  {
    name: 'gather axis 1, 2-D indices',
    floats: [[3, 8, 5]],
    ints: [{ shape: [4, 6], max: 8 }],
    f: ([x], [i]) => tf.gather(x!, i!, 1),
  },
  {
    name: 'unsortedSegmentSum',
    floats: [[12, 6]],
    ints: [{ shape: [12], max: 5 }],
    f: ([x], [i]) => tf.unsortedSegmentSum(x!, i as tf.Tensor1D, 5),
  },
];
