import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointPath, loadCheckpoint, saveCheckpoint } from '../../src/core/checkpoint.js';
import { removeStaleTemps } from '../../src/core/atomic-file.js';
import { CheckpointError } from '../../src/errors.js';

const contents = {
  meta: { kind: 'test', step: 12 },
  tensors: new Map([
    ['a', { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['b', { shape: [], values: Float32Array.from([-0.5]) }],
  ]),
};

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'gim-ckpt-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('round trip; a changed digit of the header meta (the step) is refused', () =>
  withDir((dir) => {
    saveCheckpoint(dir, contents);
    const loaded = loadCheckpoint<typeof contents.meta>(dir);
    assert.deepEqual(loaded.meta, contents.meta);
    assert.deepEqual([...loaded.tensors.get('a')!.values], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(loaded.tensors.get('b')!.shape, []);
    const bytes = readFileSync(checkpointPath(dir));
    const at = bytes.indexOf('"step":12');
    assert.ok(at > 0);
    bytes.write('"step":19', at, 'latin1');
    writeFileSync(checkpointPath(dir), bytes);
    assert.throws(
      () => loadCheckpoint(dir),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.message ===
          `checkpoint ${checkpointPath(dir)}: corrupt header (SHA-256 checksum mismatch)`,
    );
  }));

it('format-1 files (no header checksum) still load, with their tensor table checked', () =>
  withDir((dir) => {
    const payload = Buffer.from(Float32Array.from([1, 2, 3]).buffer);
    const v1 = (tensors: object[]): Buffer => {
      const header = Buffer.from(
        JSON.stringify({
          formatVersion: 1,
          meta: { kind: 'old', step: 3 },
          tensors,
          payloadSha256: createHash('sha256').update(payload).digest('hex'),
        }),
      );
      const prefix = Buffer.alloc(12);
      prefix.write('GIMCKPT1', 0, 'ascii');
      prefix.writeUInt32LE(header.length, 8);
      const pad = Buffer.alloc((4 - ((12 + header.length) % 4)) % 4);
      return Buffer.concat([prefix, header, pad, payload]);
    };
    writeFileSync(checkpointPath(dir), v1([{ name: 'w', shape: [3], offset: 0, length: 3 }]));
    const loaded = loadCheckpoint<{ step: number }>(dir);
    assert.equal(loaded.meta.step, 3);
    assert.deepEqual([...loaded.tensors.get('w')!.values], [1, 2, 3]);
    writeFileSync(checkpointPath(dir), v1([{ name: 'w', shape: [2], offset: 0, length: 3 }]));
    assert.throws(() => loadCheckpoint(dir), /tensor entry .* does not fit the payload/);
  }));

it('stale temp files of dead writers are removed, those of live ones and the checkpoint kept', () =>
  withDir((dir) => {
    saveCheckpoint(dir, contents);
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!; // exited already
    const stale = `${checkpointPath(dir)}.tmp-${dead}`;
    const mine = `${checkpointPath(dir)}.tmp-${process.pid}`;
    writeFileSync(stale, 'half a checkpoint');
    writeFileSync(mine, 'a save in progress');
    assert.deepEqual(removeStaleTemps(dir), [`checkpoint.gim.tmp-${dead}`]);
    assert.ok(!existsSync(stale));
    assert.ok(existsSync(mine));
    assert.equal(loadCheckpoint<{ step: number }>(dir).meta.step, 12);
  }));
