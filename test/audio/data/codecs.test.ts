import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../../src/errors.js';
import { FlacReader, encodeFlac, readFlacInfo } from '../../../src/audio/data/flac.js';
import { encodeWav, readWav, readWavInfo } from '../../../src/audio/data/wav.js';
import { MICRO, ramp } from './temp-corpus.js';

describe('FLAC', () => {
  it('round-trips int16 exactly through libFLAC (libflacjs) both ways', async () => {
    const x = ramp(5000, 3);
    x[0] = -32768;
    x[1] = 32767;
    const bytes = await encodeFlac(x, 16000);
    assert.deepEqual(readFlacInfo('x.flac', bytes), {
      sampleRate: 16000,
      channels: 1,
      bitsPerSample: 16,
      frames: 5000,
    });
    const reader = new FlacReader();
    assert.deepEqual(await reader.decode('x.flac', bytes), x);
    // The reader is reusable: a second file decodes from a clean state.
    const y = ramp(3000, 4);
    assert.deepEqual(await reader.decode('y.flac', await encodeFlac(y, 16000)), y);
    reader.dispose();
  });

  it('reads STREAMINFO of the committed fixture', () => {
    const info = readFlacInfo('f', readFileSync(join(MICRO, '1001/10/1001-10-0000.flac')));
    assert.deepEqual(info, { sampleRate: 16000, channels: 1, bitsPerSample: 16, frames: 22131 });
  });

  it('reports a truncated file as corrupt', async () => {
    const bytes = await encodeFlac(ramp(20000, 1), 16000);
    await assert.rejects(
      new FlacReader().decode('t.flac', bytes.subarray(0, bytes.length >> 1)),
      (e: unknown) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /^t\.flac: FLAC decode/);
        return true;
      },
    );
  });
});

describe('WAV', () => {
  it('round-trips 16-bit mono PCM', () => {
    const x = ramp(1000, 2);
    const w = readWav('a.wav', encodeWav(x, 16000));
    assert.deepEqual(w.samples, x);
    assert.equal(w.sampleRate, 16000);
    assert.equal(w.channels, 1);
  });

  it('skips unknown chunks before the data chunk', () => {
    const plain = encodeWav(ramp(10, 1), 16000);
    // Insert a 6-byte LIST chunk after fmt (at byte 36).
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 6, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    const withList = new Uint8Array(plain.length + list.length);
    withList.set(plain.subarray(0, 36));
    withList.set(list, 36);
    withList.set(plain.subarray(36), 36 + list.length);
    assert.equal(readWavInfo('b.wav', withList).frames, 10);
    assert.deepEqual(readWav('b.wav', withList).samples, ramp(10, 1));
  });

  it('rejects a truncated data chunk and stray bytes, but reads an unknown (streamed) size', () => {
    const full = encodeWav(ramp(100, 1), 16000);
    assert.throws(
      () => readWav('t.wav', full.subarray(0, 150)),
      /t\.wav: WAV "data" chunk of 200 bytes at byte 36, but only 106 follow: truncated file/,
    );
    const stray = new Uint8Array(full.length + 3);
    stray.set(full);
    assert.throws(() => readWav('s.wav', stray), /s\.wav: WAV: 3 stray bytes after the last chunk/);
    const streamed = full.slice();
    new DataView(streamed.buffer).setUint32(40, 0xffffffff, true);
    assert.deepEqual(readWav('u.wav', streamed).samples, ramp(100, 1));
  });

  it('rejects a fmt chunk whose redundant fields disagree', () => {
    const bad = encodeWav(ramp(10, 1), 16000);
    new DataView(bad.buffer).setUint32(28, 12345, true); // byte rate
    assert.throws(
      () => readWav('f.wav', bad),
      /f\.wav: WAV fmt chunk inconsistent: .*byte rate 12345/,
    );
  });

  it('rejects non-WAV and non-16-bit input with the file name', () => {
    assert.throws(() => readWav('c.wav', new Uint8Array(20)), /c\.wav: not a WAV file/);
    const eight = encodeWav(ramp(10, 1), 16000);
    new DataView(eight.buffer).setUint16(34, 8, true);
    assert.throws(() => readWav('d.wav', eight), /d\.wav: WAV with 8-bit samples/);
  });
});
