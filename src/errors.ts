/**
 * Typed errors. Each names the thing that was wrong (a config path, a file, a tensor shape)
 * together with what was expected and what was found, so the CLI can print it as is.
 */

export class GimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A configuration value that is unknown, of the wrong type, or out of range. */
export class ConfigError extends GimError {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly found: unknown,
    readonly source = 'config',
  ) {
    super(`${source}: ${path}: expected ${expected}, found ${describe(found)}`);
  }
}

/** A tensor or array whose shape does not fit. */
export class ShapeError extends GimError {}

/** A file that is missing, unreadable or malformed. */
export class DataError extends GimError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A checkpoint that cannot be used (corrupt, wrong format, other config). */
export class CheckpointError extends GimError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`checkpoint ${file}: ${detail}`);
  }
}

/**
 * Training produced a non-finite loss or weight (too high a learning rate, bad data): the run
 * stops before saving anything from the bad step, so the checkpoint on disk is the last good one.
 */
export class TrainingDivergedError extends GimError {
  constructor(
    /** 1-based module index. */
    readonly module: number,
    readonly step: number,
    /** What was not finite, e.g. "loss" or "weight module2.conv.weight". */
    readonly what: string,
    readonly value: number,
    lastCheckpoint: string,
  ) {
    super(
      `training diverged at step ${step}: module ${module} ${what} is ${value}; ${lastCheckpoint} (try a lower train.learningRate)`,
    );
  }
}

/** A backend that cannot be started or lacks a kernel. */
export class BackendError extends GimError {}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
