/**
 * The native addon is portable: built for a baseline ISA (native/binding.gyp), with AVX2 and
 * AVX-512 code only inside GCC's run-time dispatched clones (GIM_DISPATCH in native/common.h),
 * and it still loads and computes like the cpu backend.
 *
 * Why the disassembly check proves portability: an x86-64 CPU without AVX faults (SIGILL) on
 * the first VEX/EVEX-encoded instruction it executes; every such instruction starts with "v"
 * (vaddps, vmovups, vzeroupper, ...) and every ymm/zmm use is one. If none sits outside
 * functions named `<fn>.avx2` / `<fn>.avx512f`, the only way to reach AVX code is through the
 * ifunc resolver, which picks a clone by asking the CPU (cpuid) at load time. A -march=native
 * build fails this check at once (its baseline functions use ymm/zmm and VEX encodings).
 * oneDNN and OpenBLAS are separate shared libraries that dispatch on their own, so only our
 * file is inspected. Skipped, with the reason, where the addon is not built, on non-x86-64,
 * or where binutils' objdump is missing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tf, type Tensor } from '../../src/backend/tf.js';
import { initBackend } from '../../src/backend/select.js';
import { loadNativeBackend } from '../../src/backend/native/index.js';
import { addonPath } from '../../src/backend/native/addon.js';
import { relativeError } from '../helpers/assert-close.js';

const native = loadNativeBackend();
const objdump = spawnSync('objdump', ['--version'], { encoding: 'utf8' });
const skipLoad = native.ok ? false : `native backend unavailable: ${native.reason}`;
const skipDisasm =
  skipLoad ||
  (process.arch !== 'x64'
    ? `the ISA check is for x86-64 (this is ${process.arch})`
    : objdump.status !== 0
      ? 'objdump not found (install binutils)'
      : false);

/** Clone bodies GCC emits for target_clones("avx512f", "avx2", "default"). */
const CLONE = /\.(avx2|avx512f)$/;

interface Disassembly {
  /** Functions holding VEX/EVEX (AVX) instructions, with one such line each. */
  readonly avxIn: Map<string, string>;
  /** Whether any instruction uses a 512-bit register. */
  readonly zmm: boolean;
}

function disassemble(path: string): Disassembly {
  const res = spawnSync('objdump', ['-d', '--no-show-raw-insn', path], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(res.status, 0, `objdump failed: ${res.stderr}`);
  const avxIn = new Map<string, string>();
  let fn = '';
  for (const line of res.stdout.split('\n')) {
    const header = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (header) {
      fn = header[1]!;
      continue;
    }
    // "  1234:\tvaddps %zmm1,%zmm2,%zmm0": the mnemonic is the first word after the tab.
    const insn = /^\s+[0-9a-f]+:\s+(\S+)(.*)$/.exec(line);
    if (insn && (insn[1]!.startsWith('v') || /%[yz]mm/.test(insn[2]!)) && !avxIn.has(fn)) {
      avxIn.set(fn, line.trim());
    }
  }
  return { avxIn, zmm: res.stdout.includes('%zmm') };
}

describe('native addon: portable build', () => {
  it('has AVX2/AVX-512 code only in run-time dispatched clones', { skip: skipDisasm }, () => {
    const { avxIn, zmm } = disassemble(addonPath());
    const outside = [...avxIn].filter(([fn]) => !CLONE.test(fn));
    assert.deepEqual(
      outside.slice(0, 5),
      [],
      `${outside.length} baseline functions use AVX (built with -march=native?)`,
    );
    // The dispatch is really there: the binary-op row loop has both clones, the AVX-512 one
    // with 512-bit registers (else "portable" would just mean "never uses AVX").
    const clones = [...avxIn.keys()];
    for (const suffix of ['.avx2', '.avx512f']) {
      assert.ok(
        clones.some((f) => f.includes('Row') && f.endsWith(suffix)),
        `no ${suffix} clone of the binary row loop`,
      );
    }
    assert.ok(zmm, 'no zmm register anywhere: the avx512f clones were not built');
  });

  it(
    'loads and computes matmul, conv and a broadcast add like the cpu backend',
    { skip: skipLoad },
    async () => {
      const rand = (n: number, seed: number) =>
        Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
      const cases: Array<() => Tensor> = [
        () =>
          tf.matMul(tf.tensor(rand(64 * 96, 1), [64, 96]), tf.tensor(rand(96 * 80, 2), [96, 80])),
        () => tf.matMul(tf.tensor(rand(11 * 64, 3), [11, 64]), tf.tensor(rand(64, 4), [64, 1])),
        () =>
          tf.conv1d(
            tf.tensor3d(rand(2 * 40 * 8, 5), [2, 40, 8]),
            tf.tensor3d(rand(4 * 8 * 16, 6), [4, 8, 16]),
            2,
            'same',
          ),
        () =>
          tf.relu(tf.add(tf.tensor(rand(300 * 37, 7), [300, 37]), tf.tensor(rand(37, 8), [37]))),
      ];
      const run = async (backend: 'cpu' | 'native') => {
        await initBackend(backend);
        const before = tf.memory().numTensors;
        const out: Float32Array[] = [];
        for (const make of cases) {
          const y = tf.tidy(make);
          out.push((await y.data()) as Float32Array);
          y.dispose();
        }
        assert.equal(tf.memory().numTensors, before, `leaked tensors on ${backend}`);
        return out;
      };
      const want = await run('cpu');
      const got = await run('native');
      got.forEach((g, i) =>
        assert.ok(relativeError(g, want[i]!) < 1e-5, `case ${i}: ${relativeError(g, want[i]!)}`),
      );
    },
  );
});
