/**
 * Files that are never seen half-written: write `<file>.tmp-<pid>`, fsync, rename over `<file>`.
 * A process killed mid-write (kill -9, power loss) leaves only its temp file behind, which no
 * reader ever opens and which `removeStaleTemps` deletes when the next run starts in that folder.
 *
 * Also the one place that reads GIM_FAULT (see `faultPoint`).
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const TEMP_MARK = '.tmp-';

/** The temp name this process writes `file` under. */
export function tempPath(file: string): string {
  return `${file}${TEMP_MARK}${process.pid}`;
}

/**
 * Write `parts` to `file` atomically. `fault` names a GIM_FAULT point: when armed, the process
 * kills itself after writing half of the data to the temp file, as a crash mid-write would.
 */
export function writeFileAtomic(
  file: string,
  parts: readonly Uint8Array[],
  fault?: FaultPointName,
): void {
  const tmp = tempPath(file);
  const crash = fault !== undefined && faultArmed(fault);
  const fd = openSync(tmp, 'w');
  try {
    const total = parts.reduce((a, p) => a + p.length, 0);
    let written = 0;
    for (const part of parts) {
      if (crash && written + part.length >= total / 2) {
        const half = Math.max(0, Math.floor(total / 2) - written);
        writeSync(fd, part, 0, half);
        fsyncSync(fd);
        process.kill(process.pid, 'SIGKILL');
      }
      writeSync(fd, part);
      written += part.length;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Delete temp files in `dir` (those of `writeFileAtomic`) whose writer is dead; returns their
 * names. The writer's pid is in the name, and a temp of a live process is kept: it may be a save
 * in progress (another run in the same folder is refused elsewhere, but deleting its file would
 * turn that refusal into a crash). A pid reused by an unrelated live process only delays the
 * clean-up until that process ends; the file is never read either way.
 */
export function removeStaleTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const at = name.lastIndexOf(TEMP_MARK);
    if (at < 0) continue;
    const pid = Number(name.slice(at + TEMP_MARK.length));
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Already gone (another clean-up raced us): nothing to do.
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Fault injection for the crash tests (test/cli/kill.test.ts), and nothing else. Killing a child
 * at a random moment almost never lands inside a save, which takes microseconds on a tiny model,
 * yet that is the case the atomic writes exist for. GIM_FAULT=checkpoint-write:N (or
 * shard-write:N; comma-separated for several) makes the N-th write of that kind in this process
 * SIGKILL the process half-way through its temp file. Unset, this costs one lookup per write.
 */
export type FaultPointName = 'checkpoint-write' | 'shard-write';

const faultCounts = new Map<string, number>();

function faultArmed(point: FaultPointName): boolean {
  const spec = process.env.GIM_FAULT;
  if (!spec) return false;
  const count = (faultCounts.get(point) ?? 0) + 1;
  faultCounts.set(point, count);
  return spec.split(',').some((s) => s.trim() === `${point}:${count}`);
}
