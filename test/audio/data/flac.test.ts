import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../../src/backend/random.js';
import { DataError } from '../../../src/errors.js';
import { FlacReader, encodeFlac, readFlacInfo } from '../../../src/audio/data/flac.js';
import { tempDir } from './temp-corpus.js';

/**
 * Speech-like int16 audio with the values that trip byte-wise int32→int16 conversions: runs of
 * 0x00/0xFF bytes (0, −1, 255, 256, −256, 0x7F00, …), both extremes, silence, and noise.
 */
function testSignal(n: number, seed: number): Int16Array {
  const rng = new Rng(seed);
  const tricky = [0, -1, 255, 256, -256, -255, 0xff, 0x7f00, -0x8000, 0x7fff, 0x00ff, -0x0100];
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const part = Math.floor((i / n) * 4);
    if (part === 0) x[i] = Math.round(8000 * Math.sin(i * 0.03) + rng.uniformRange(-500, 500));
    else if (part === 1) x[i] = tricky[rng.int(tricky.length)]!;
    else if (part === 2)
      x[i] = i % 1000 < 500 ? 0 : -1; // constant subframes
    else x[i] = rng.int(65536) - 32768; // verbatim subframes
  }
  return x;
}

/** STREAMINFO's min/max block size (the first 4 bytes of its body). */
function blockSizes(bytes: Uint8Array): [number, number] {
  return [(bytes[8]! << 8) | bytes[9]!, (bytes[10]! << 8) | bytes[11]!];
}

describe('FLAC decoding via libFLAC', () => {
  for (const blockSize of [1152, 4096]) {
    for (const r of [1, 2, 61, 4095]) {
      const n = 4096 * 3 + r;
      it(`decodes ${n} samples (4096·3 + ${r}) in blocks of ${blockSize} exactly`, async () => {
        const x = testSignal(n, blockSize + r);
        const bytes = await encodeFlac(x, 16000, { blockSize });
        assert.deepEqual(blockSizes(bytes), [blockSize, blockSize]);
        assert.equal(readFlacInfo('x.flac', bytes).frames, n);
        const y = await new FlacReader().decode('x.flac', bytes);
        assert.equal(y.length, n);
        assert.deepEqual(y, x);
      });
    }
  }

  it('checks the STREAMINFO MD5 when the file has one', async () => {
    const x = testSignal(9000, 5);
    const bytes = await encodeFlac(x, 16000);
    // encodeFlac fills in the MD5 that libFLAC cannot write into a stream.
    const md5 = createHash('md5').update(Buffer.from(x.buffer)).digest();
    assert.deepEqual(bytes.subarray(8 + 18, 8 + 34), new Uint8Array(md5));
    assert.deepEqual(await new FlacReader().decode('m.flac', bytes), x);
    bytes[8 + 18] ^= 1;
    await assert.rejects(new FlacReader().decode('m.flac', bytes), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^m\.flac: decoded samples do not match the MD5 in STREAMINFO/);
      return true;
    });
  });

  it('reports a flipped bit inside a frame as a bad frame, naming the file', async () => {
    const bytes = await encodeFlac(testSignal(20000, 6), 16000);
    bytes[Math.floor(bytes.length * 0.6)] ^= 0x10;
    await assert.rejects(new FlacReader().decode('c.flac', bytes), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(
        e.message,
        /^c\.flac: FLAC decode failed: 1 bad frame\(s\) \(.+\): corrupt file/,
      );
      return true;
    });
  });

  it('reports a file cut inside a frame as truncated', async () => {
    const bytes = await encodeFlac(testSignal(20000, 7), 16000);
    await assert.rejects(
      new FlacReader().decode('t.flac', bytes.subarray(0, bytes.length - 100)),
      /^DataError: t\.flac: FLAC decode failed: the file ends inside a frame \(truncated\?\)/,
    );
  });

  it('rejects stereo and 24-bit files by their STREAMINFO', async () => {
    const bytes = await encodeFlac(testSignal(3000, 8), 16000);
    const stereo = bytes.slice();
    stereo[8 + 12]! |= 0b0010; // channels − 1 = 1
    await assert.rejects(new FlacReader().decode('s.flac', stereo), /s\.flac: .*2 channels/);
    const deep = bytes.slice();
    deep[8 + 12]! |= 1; // bits − 1: 15 → 31
    await assert.rejects(new FlacReader().decode('d.flac', deep), /d\.flac: .*32-bit samples/);
  });
});

describe('FLAC files written by the reference encoder (`flac`)', () => {
  const flacFound = spawnSync('flac', ['--version']).status === 0;
  // CI installs `flac` (.ci/run), so there a missing binary is a failure, not a skip.
  const skip = flacFound || process.env.CI ? false : '`flac` is not on PATH (apt install flac)';

  it('decode exactly as `flac -d` does, for short last blocks', { skip }, async () => {
    assert.ok(flacFound, '`flac` must be on PATH in CI');
    const dir = tempDir('gim-flac-');
    const reader = new FlacReader();
    for (const [blockSize, n] of [
      [4096, 4096 * 2 + 1],
      [4096, 4096 * 47 + 61],
      [1152, 1152 * 5 + 2],
      [4608, 4608 * 3 + 4095],
    ] as const) {
      const raw = join(dir, 'in.raw');
      writeFileSync(raw, testSignal(n, n));
      const flac = join(dir, 'x.flac');
      execFileSync('flac', [
        ...['-s', '-f', '--force-raw-format', '--endian=little', '--sign=signed'],
        ...['--channels=1', '--bps=16', '--sample-rate=16000', '-b', String(blockSize)],
        ...['-o', flac, raw],
      ]);
      const out = join(dir, 'out.raw');
      execFileSync('flac', [
        ...['-d', '-s', '-f', '--force-raw-format', '--endian=little', '--sign=signed'],
        ...['-o', out, flac],
      ]);
      const reference = new Int16Array(new Uint8Array(readFileSync(out)).buffer);
      const ours = await reader.decode(flac, readFileSync(flac));
      assert.equal(ours.length, n);
      assert.deepEqual(ours, reference);
    }
  });
});
