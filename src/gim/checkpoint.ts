/**
 * Checkpoint files: one file per checkpoint, written atomically (temp file, fsync, rename), so an
 * interrupted save never damages the previous checkpoint.
 *
 * Layout of `<dir>/checkpoint.gim`:
 *   8 bytes  magic "GIMCKPT1"
 *   4 bytes  header length H (uint32 little-endian)
 *   H bytes  JSON header: { formatVersion, meta, tensors: [{name, shape, offset, length}], payloadSha256 }
 *   padding to a multiple of 4 bytes
 *   payload  float32 little-endian values of every tensor, concatenated
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  mkdirSync,
  existsSync,
  unlinkSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';

export const CHECKPOINT_FILE = 'checkpoint.gim';
const MAGIC = 'GIMCKPT1';
const FORMAT_VERSION = 1;

export interface CheckpointContents<Meta> {
  readonly meta: Meta;
  readonly tensors: ReadonlyMap<
    string,
    { readonly shape: readonly number[]; readonly values: Float32Array }
  >;
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

export function saveCheckpoint<Meta>(dir: string, contents: CheckpointContents<Meta>): string {
  mkdirSync(dir, { recursive: true });
  const entries: { name: string; shape: readonly number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, { shape, values }] of contents.tensors) {
    entries.push({ name, shape, offset, length: values.length });
    offset += values.length;
  }
  const payload = new Float32Array(offset);
  for (const e of entries) payload.set(contents.tensors.get(e.name)!.values, e.offset);
  const payloadBytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const sha = createHash('sha256').update(payloadBytes).digest('hex');
  const header = Buffer.from(
    JSON.stringify({
      formatVersion: FORMAT_VERSION,
      meta: contents.meta,
      tensors: entries,
      payloadSha256: sha,
    }),
    'utf8',
  );
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.length, 8);
  const pad = Buffer.alloc((4 - ((12 + header.length) % 4)) % 4);

  const target = checkpointPath(dir);
  const tmp = `${target}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of [prefix, header, pad, payloadBytes]) writeSync(fd, part);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, target);
  return target;
}

export function loadCheckpoint<Meta>(dir: string): CheckpointContents<Meta> {
  const file = checkpointPath(dir);
  if (!existsSync(file))
    throw new CheckpointError(file, 'no such file (expected a directory written by `gim train`)');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new CheckpointError(file, `cannot read: ${(err as Error).message}`);
  }
  if (bytes.length < 12 || bytes.toString('ascii', 0, 8) !== MAGIC) {
    throw new CheckpointError(
      file,
      `not a greedy-infomax checkpoint (expected magic "${MAGIC}", found ${JSON.stringify(bytes.toString('latin1', 0, Math.min(8, bytes.length)))})`,
    );
  }
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length)
    throw new CheckpointError(
      file,
      `truncated: header of ${headerLength} bytes but file has ${bytes.length}`,
    );
  let header: {
    formatVersion: number;
    meta: Meta;
    tensors: { name: string; shape: number[]; offset: number; length: number }[];
    payloadSha256: string;
  };
  try {
    header = JSON.parse(bytes.toString('utf8', 12, 12 + headerLength));
  } catch {
    throw new CheckpointError(file, 'corrupt header (invalid JSON)');
  }
  if (header.formatVersion !== FORMAT_VERSION) {
    throw new CheckpointError(
      file,
      `format version ${header.formatVersion} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  const start = 12 + headerLength + ((4 - ((12 + headerLength) % 4)) % 4);
  const payloadBytes = bytes.subarray(start);
  const total = header.tensors.reduce((a, t) => a + t.length, 0);
  if (payloadBytes.length !== total * 4) {
    throw new CheckpointError(
      file,
      `truncated or padded payload: expected ${total * 4} bytes, found ${payloadBytes.length}`,
    );
  }
  const sha = createHash('sha256').update(payloadBytes).digest('hex');
  if (sha !== header.payloadSha256)
    throw new CheckpointError(file, 'corrupt payload (checksum mismatch)');
  const payload = new Float32Array(
    payloadBytes.buffer.slice(
      payloadBytes.byteOffset,
      payloadBytes.byteOffset + payloadBytes.length,
    ),
  );
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const t of header.tensors)
    tensors.set(t.name, {
      shape: t.shape,
      values: payload.subarray(t.offset, t.offset + t.length),
    });
  return { meta: header.meta, tensors };
}

/** Remove a stale temp file left by a killed save (never the checkpoint itself). */
export function removeStaleTemp(dir: string): void {
  const tmp = `${checkpointPath(dir)}.tmp-${process.pid}`;
  if (existsSync(tmp)) unlinkSync(tmp);
}

/**
 * Refuse to continue a run with a config other than the checkpoint's: every field must match
 * except those in `resumable` (e.g. train.steps). The error names the first differing field.
 */
export function assertSameConfig(
  dir: string,
  saved: unknown,
  requested: unknown,
  resumable: ReadonlySet<string>,
  path = '',
): void {
  if (resumable.has(path)) return;
  if (saved !== null && typeof saved === 'object' && !Array.isArray(saved)) {
    for (const key of new Set([...Object.keys(saved), ...Object.keys(requested as object)])) {
      assertSameConfig(
        dir,
        (saved as Record<string, unknown>)[key],
        (requested as Record<string, unknown>)[key],
        resumable,
        path ? `${path}.${key}` : key,
      );
    }
    return;
  }
  if (JSON.stringify(saved) !== JSON.stringify(requested)) {
    throw new CheckpointError(
      dir,
      `was trained with a different config: ${path} is ${JSON.stringify(saved)} in the checkpoint but ${JSON.stringify(requested)} was requested`,
    );
  }
}
