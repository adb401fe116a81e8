/**
 * Checkpoint files: one file per checkpoint, written atomically (temp file, fsync, rename), so an
 * interrupted save never damages the previous checkpoint. Every byte is checked on load: a
 * damaged file is a CheckpointError, never a silently different state.
 *
 * Layout of `<dir>/checkpoint.gim` (format 2):
 *   8 bytes  magic "GIMCKPT2"
 *   4 bytes  header length H (uint32 little-endian)
 *  32 bytes  SHA-256 of the header bytes
 *   H bytes  JSON header: { formatVersion, meta, tensors: [{name, shape, offset, length}], payloadSha256 }
 *   zero padding to a multiple of 4 bytes
 *   payload  float32 little-endian values of every tensor, concatenated
 *
 * Format 1 ("GIMCKPT1", no header checksum: a flipped digit in the meta, e.g. the step, loaded
 * silently) is still read, so runs saved before format 2 can be resumed and evaluated.
 */
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

export const CHECKPOINT_FILE = 'checkpoint.gim';
const FORMAT_VERSION = 2;
const MAGIC = { 1: 'GIMCKPT1', 2: 'GIMCKPT2' } as const;
/** Bytes before the header: magic, header length and (format 2) the header's SHA-256. */
const PREFIX_BYTES = { 1: 12, 2: 44 } as const;

export interface CheckpointContents<Meta> {
  readonly meta: Meta;
  readonly tensors: ReadonlyMap<
    string,
    { readonly shape: readonly number[]; readonly values: Float32Array }
  >;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface Header<Meta> {
  formatVersion: number;
  meta: Meta;
  tensors: TensorEntry[];
  payloadSha256: string;
}

export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
const padding = (bytesBefore: number): number => (4 - (bytesBefore % 4)) % 4;

export function saveCheckpoint<Meta>(dir: string, contents: CheckpointContents<Meta>): string {
  mkdirSync(dir, { recursive: true });
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, { shape, values }] of contents.tensors) {
    entries.push({ name, shape: [...shape], offset, length: values.length });
    offset += values.length;
  }
  const payload = new Float32Array(offset);
  for (const e of entries) payload.set(contents.tensors.get(e.name)!.values, e.offset);
  const payloadBytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const header = Buffer.from(
    JSON.stringify({
      formatVersion: FORMAT_VERSION,
      meta: contents.meta,
      tensors: entries,
      payloadSha256: sha256(payloadBytes).toString('hex'),
    } satisfies Header<Meta>),
    'utf8',
  );
  const prefix = Buffer.alloc(PREFIX_BYTES[2]);
  prefix.write(MAGIC[2], 0, 'ascii');
  prefix.writeUInt32LE(header.length, 8);
  sha256(header).copy(prefix, 12);
  const pad = Buffer.alloc(padding(prefix.length + header.length));
  const target = checkpointPath(dir);
  writeFileAtomic(target, [prefix, header, pad, payloadBytes], 'checkpoint-write');
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
  return parseCheckpoint<Meta>(file, bytes);
}

/** Decode and verify checkpoint bytes; `file` names them in errors. */
export function parseCheckpoint<Meta>(file: string, bytes: Buffer): CheckpointContents<Meta> {
  const fail = (detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  const magic = bytes.toString('latin1', 0, Math.min(8, bytes.length));
  const version = magic === MAGIC[2] ? 2 : magic === MAGIC[1] ? 1 : null;
  if (version === null)
    fail(
      `not a greedy-infomax checkpoint (expected magic "${MAGIC[2]}" or "${MAGIC[1]}", found ${JSON.stringify(magic)})`,
    );
  const prefixBytes = PREFIX_BYTES[version!];
  if (bytes.length < prefixBytes)
    fail(`truncated: ${bytes.length} bytes, shorter than the ${prefixBytes}-byte prefix`);
  const headerLength = bytes.readUInt32LE(8);
  const headerEnd = prefixBytes + headerLength;
  if (headerEnd > bytes.length)
    fail(`truncated: header of ${headerLength} bytes but file has ${bytes.length}`);
  const headerBytes = bytes.subarray(prefixBytes, headerEnd);
  if (version === 2 && !sha256(headerBytes).equals(bytes.subarray(12, 44)))
    fail('corrupt header (SHA-256 checksum mismatch)');
  let header: Header<Meta>;
  try {
    header = JSON.parse(headerBytes.toString('utf8'));
  } catch {
    return fail('corrupt header (invalid JSON)');
  }
  if (header?.formatVersion !== version)
    fail(
      `format version ${JSON.stringify(header?.formatVersion)} in the header does not match the magic "${MAGIC[version!]}"`,
    );
  if (header.meta === null || typeof header.meta !== 'object') fail('corrupt header (no meta)');
  const total = checkTensorTable(header.tensors, fail);
  if (typeof header.payloadSha256 !== 'string') fail('corrupt header (no payload checksum)');
  const start = headerEnd + padding(headerEnd);
  if (bytes.length < start) fail(`truncated: file ends inside the header padding`);
  if (bytes.subarray(headerEnd, start).some((b) => b !== 0))
    fail('corrupt padding after the header (expected zero bytes)');
  const payloadBytes = bytes.subarray(start);
  if (payloadBytes.length !== total * 4)
    fail(`truncated or padded payload: expected ${total * 4} bytes, found ${payloadBytes.length}`);
  if (sha256(payloadBytes).toString('hex') !== header.payloadSha256)
    fail('corrupt payload (SHA-256 checksum mismatch)');
  // Copy into an aligned buffer (the payload may start at any byte offset of `bytes`).
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

/**
 * The tensor table must describe the payload exactly (a format-1 header has no checksum of its
 * own, so this is what catches a damaged one): returns the payload's value count.
 */
function checkTensorTable(tensors: unknown, fail: (detail: string) => never): number {
  if (!Array.isArray(tensors)) return fail('corrupt header (no tensor table)');
  const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  let total = 0;
  const names = new Set<string>();
  for (const t of tensors as Partial<TensorEntry>[]) {
    const ok =
      typeof t?.name === 'string' &&
      !names.has(t.name) &&
      Array.isArray(t.shape) &&
      t.shape.every(isCount) &&
      isCount(t.offset) &&
      isCount(t.length) &&
      t.shape.reduce((a, b) => a * b, 1) === t.length &&
      t.offset === total;
    if (!ok) fail(`corrupt header (tensor entry ${JSON.stringify(t)} does not fit the payload)`);
    names.add(t.name!);
    total += t.length!;
  }
  return total;
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
