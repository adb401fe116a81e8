/**
 * Activation cache: a frozen module's outputs over the training set, on disk in shards, so the
 * next module trains from them without running (or holding activations of) the modules below.
 * The authors' code does not implement this (spec §6.1 #22); the format is ours:
 *
 *   <dir>/manifest.json      written last; present only for a complete cache
 *   <dir>/progress.json      shards finished so far (atomically rewritten after each shard)
 *   <dir>/shard-00000.bin    items back to back: itemShape values each, float32 or float16 LE
 *   <dir>/labels-00000.json  per item: label and position (−1 if none; audio: speaker and window
 *                            start sample, vision: image class and image index)
 *
 * Every file is written to a temp name and renamed, and every shard's SHA-256 is recorded, so an
 * interrupted write never leaves a corrupt shard in use: a restart verifies finished shards,
 * reuses them and rewrites the rest, after deleting the temp files of killed writers.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { removeStaleTemps, writeFileAtomic, type FaultPointName } from '../core/atomic-file.js';
import { decodeFloat16, encodeFloat16 } from './float16.js';

/**
 * Version 2 names the per-item fields `label`/`position` (any modality); version 1 (audio only)
 * called them `speaker`/`startSample` and is still read.
 */
export const CACHE_FORMAT = 'gim-activation-cache/2';
const READABLE_FORMATS = [CACHE_FORMAT, 'gim-activation-cache/1'];

export interface CacheShard {
  readonly file: string;
  readonly labels: string;
  readonly items: number;
  readonly sha256: string;
}

export interface CacheManifest {
  readonly format: string;
  /** Which module's output this is (1-based) and where it came from. */
  readonly module: number;
  readonly source: string;
  /** Shape of one item, e.g. [T, C]. */
  readonly itemShape: readonly number[];
  readonly dtype: 'float32' | 'float16';
  readonly items: number;
  readonly shards: readonly CacheShard[];
  /** How the items were drawn (e.g. "1 random window per utterance per draw, 2 draws"). */
  readonly sampling: string;
}

export interface CacheItemBatch {
  /** [n × itemSize] values. */
  readonly values: Float32Array;
  /** Per item: class label (audio speaker, image class), −1 if none. */
  readonly label: Int32Array;
  /** Per item: where it came from (window start sample, image index), −1 if none. */
  readonly position: Int32Array;
}

/** A batch whose items are computed only if they are not already on disk. */
export interface LazyItemBatch {
  readonly count: number;
  compute(): CacheItemBatch | Promise<CacheItemBatch>;
}

export interface CacheWriteOptions {
  readonly module: number;
  readonly source: string;
  readonly itemShape: readonly number[];
  readonly dtype: 'float32' | 'float16';
  readonly shardItems: number;
  readonly sampling: string;
  readonly onProgress?: (items: number) => void;
  /** Checked between batches (after yielding to the event loop); true stops the write early. */
  readonly shouldStop?: () => boolean;
}

function writeAtomic(file: string, data: string | Uint8Array, fault?: FaultPointName): void {
  writeFileAtomic(file, [typeof data === 'string' ? Buffer.from(data, 'utf8') : data], fault);
}

/** Parsed JSON of a cache file, or a DataError naming it. */
function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new DataError(file, `unreadable activation cache file: ${(err as Error).message}`);
  }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function readManifest(dir: string): CacheManifest | null {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return null;
  const m = readJson<CacheManifest>(file);
  if (!READABLE_FORMATS.includes(m.format))
    throw new DataError(
      file,
      `expected format ${READABLE_FORMATS.join(' or ')}, found ${JSON.stringify(m.format)}; delete the cache folder to rebuild it`,
    );
  return m;
}

/**
 * Write the cache from a deterministic stream of item batches. If `dir` holds a finished cache
 * it is returned as is; if it holds part of one, verified shards are kept and the stream's
 * items for them are skipped (the stream must yield the same items in the same order).
 * Returns null if `options.shouldStop` stopped it (the finished shards stay for the next try).
 */
export async function writeActivationCache(
  dir: string,
  batches: AsyncIterable<LazyItemBatch>,
  options: CacheWriteOptions,
): Promise<CacheManifest | null> {
  const done = readManifest(dir);
  if (done) return done;
  mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);
  const itemSize = options.itemShape.reduce((a, b) => a * b, 1);
  const progressFile = join(dir, 'progress.json');
  const kept = verifiedShards(dir, progressFile);
  const skipItems = kept.reduce((a, s) => a + s.items, 0);
  const shards = [...kept];
  let seen = 0;
  let pending = emptyPending();

  const flush = (): void => {
    if (pending.count === 0) return;
    shards.push(writeShard(dir, shards.length, pending, itemSize, options.dtype));
    writeAtomic(progressFile, JSON.stringify({ shards }));
    pending = emptyPending();
  };

  for await (const lazy of batches) {
    // Encoding a batch never waits on a macrotask: yield so that a Ctrl-C handler can run.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.shouldStop?.()) return null;
    if (seen + lazy.count <= skipItems) {
      seen += lazy.count; // already in a verified shard
      continue;
    }
    const batch = await lazy.compute();
    for (let i = 0; i < lazy.count; i++, seen++) {
      if (seen < skipItems) continue;
      pending.values.push(batch.values.subarray(i * itemSize, (i + 1) * itemSize));
      pending.label.push(batch.label[i]!);
      pending.position.push(batch.position[i]!);
      pending.count += 1;
      if (pending.count === options.shardItems) flush();
    }
    options.onProgress?.(seen);
  }
  flush();
  const manifest: CacheManifest = {
    format: CACHE_FORMAT,
    module: options.module,
    source: options.source,
    itemShape: options.itemShape,
    dtype: options.dtype,
    items: shards.reduce((a, s) => a + s.items, 0),
    shards,
    sampling: options.sampling,
  };
  writeAtomic(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Items gathered for the next shard. */
interface PendingShard {
  values: Float32Array[];
  label: number[];
  position: number[];
  count: number;
}

const emptyPending = (): PendingShard => ({ values: [], label: [], position: [], count: 0 });

/** The shards in progress.json whose files still match their SHA-256, up to the first that fails. */
function verifiedShards(dir: string, progressFile: string): CacheShard[] {
  const kept: CacheShard[] = [];
  if (existsSync(progressFile)) {
    for (const shard of readJson<{ shards: CacheShard[] }>(progressFile).shards) {
      const path = join(dir, shard.file);
      if (!existsSync(path) || sha256(readFileSync(path)) !== shard.sha256) break; // rewrite from here
      kept.push(shard);
    }
  }
  return kept;
}

/** Writes shard number `index` (labels first, then values) and returns its record. */
function writeShard(
  dir: string,
  index: number,
  pending: PendingShard,
  itemSize: number,
  dtype: CacheWriteOptions['dtype'],
): CacheShard {
  const name = String(index).padStart(5, '0');
  const values = new Float32Array(pending.count * itemSize);
  let offset = 0;
  for (const v of pending.values) {
    values.set(v, offset);
    offset += v.length;
  }
  const bytes =
    dtype === 'float16'
      ? new Uint8Array(encodeFloat16(values).buffer)
      : new Uint8Array(values.buffer);
  const shard: CacheShard = {
    file: `shard-${name}.bin`,
    labels: `labels-${name}.json`,
    items: pending.count,
    sha256: sha256(bytes),
  };
  writeAtomic(
    join(dir, shard.labels),
    JSON.stringify({ label: pending.label, position: pending.position }),
  );
  writeAtomic(join(dir, shard.file), bytes, 'shard-write');
  return shard;
}

/** Load one shard (verified), as float32. */
export function readShard(dir: string, manifest: CacheManifest, index: number): CacheItemBatch {
  const shard = manifest.shards[index]!;
  const path = join(dir, shard.file);
  const bytes = readFileSync(path);
  if (sha256(bytes) !== shard.sha256)
    throw new DataError(
      path,
      'activation cache shard is corrupt (checksum mismatch); delete the cache folder to rebuild it',
    );
  const itemSize = manifest.itemShape.reduce((a, b) => a * b, 1);
  const expected = shard.items * itemSize * (manifest.dtype === 'float16' ? 2 : 4);
  if (bytes.length !== expected)
    throw new DataError(path, `expected ${expected} bytes, found ${bytes.length}`);
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  const values =
    manifest.dtype === 'float16'
      ? decodeFloat16(new Uint16Array(aligned.buffer))
      : new Float32Array(aligned.buffer);
  // Format 1 (audio only) named the fields speaker / startSample.
  const labels = readJson<{
    label?: number[];
    position?: number[];
    speaker?: number[];
    startSample?: number[];
  }>(join(dir, shard.labels));
  return {
    values,
    label: Int32Array.from(labels.label ?? labels.speaker ?? []),
    position: Int32Array.from(labels.position ?? labels.startSample ?? []),
  };
}
