/**
 * Typed, frozen configuration: defaults → preset file → flags, validated once.
 *
 * The default object doubles as the schema: an override may only use keys the defaults have,
 * with values of the same JSON type (number, string, boolean, array of numbers, object).
 * Field-level rules (integer ranges, closed string sets) are given as a `rules` map keyed by
 * dotted path. Anything else is a ConfigError naming the path, the expectation and the value.
 */
import { ConfigError } from '../../errors.js';
import { closestName } from './did-you-mean.js';

export type Rule = (value: unknown) => string | null; // null: valid; else the expectation

export type Rules = Readonly<Record<string, Rule>>;

export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { -readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export const rules = {
  positiveInt: ((v) =>
    Number.isInteger(v) && (v as number) > 0 ? null : 'a positive integer') as Rule,
  nonNegativeInt: ((v) =>
    Number.isInteger(v) && (v as number) >= 0 ? null : 'an integer >= 0') as Rule,
  positive: ((v) =>
    typeof v === 'number' && v > 0 && Number.isFinite(v) ? null : 'a positive number') as Rule,
  oneOf:
    (...choices: readonly string[]): Rule =>
    (v) =>
      typeof v === 'string' && choices.includes(v)
        ? null
        : `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`,
  positiveInts: ((v) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x > 0)
      ? null
      : 'a non-empty array of positive integers') as Rule,
  nonNegativeInts: ((v) =>
    Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0)
      ? null
      : 'an array of integers >= 0') as Rule,
};

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

/** Merge `override` into `base` (a fresh object), checking keys and types against `base`. */
export function mergeChecked<T>(base: T, override: unknown, source: string, prefix = ''): T {
  if (override === undefined) return base;
  if (jsonType(override) !== 'object')
    throw new ConfigError(prefix || '(root)', 'an object', override, source);
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    // Own keys only: `in` would accept inherited names such as "__proto__" or "constructor".
    if (!Object.hasOwn(out, key)) {
      throw unknownKey(path, key, Object.keys(out), source);
    }
    const current = out[key];
    const expected = jsonType(current);
    if (expected === 'object') {
      out[key] = mergeChecked(current, value, source, path);
    } else if (jsonType(value) !== expected) {
      throw new ConfigError(path, `a ${expected}`, value, source);
    } else {
      out[key] = value;
    }
  }
  return out as T;
}

/** `key` is not among `known` (the keys at that level), with the nearest known key as a hint. */
function unknownKey(path: string, key: string, known: string[], source: string): ConfigError {
  const expected =
    known.length > 0 ? `one of the known keys (${known.join(', ')})` : 'no key below a leaf value';
  const err = new ConfigError(path, expected, key, source);
  const close = closestName(key, known);
  if (close !== null) err.message += ` (did you mean "${close}"?)`;
  return err;
}

/** Apply field rules; throws on the first violation. */
export function checkRules(config: unknown, fieldRules: Rules, source: string): void {
  for (const [path, rule] of Object.entries(fieldRules)) {
    const value = path
      .split('.')
      .reduce<unknown>((obj, key) => (obj as Record<string, unknown> | undefined)?.[key], config);
    const expectation = rule(value);
    if (expectation !== null) throw new ConfigError(path, expectation, value, source);
  }
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Set a dotted path in a plain override object (for CLI flags), parsing the value by the default's type. */
export function setPath(
  target: Record<string, unknown>,
  defaults: unknown,
  path: string,
  raw: string,
  source: string,
): void {
  const keys = path.split('.');
  let def: unknown = defaults;
  let obj = target;
  keys.forEach((key, i) => {
    if (jsonType(def) !== 'object' || !Object.hasOwn(def as object, key)) {
      const known = jsonType(def) === 'object' ? Object.keys(def as object) : [];
      throw unknownKey(keys.slice(0, i + 1).join('.'), key, known, source);
    }
    def = (def as Record<string, unknown>)[key];
    if (i === keys.length - 1) {
      obj[key] = parseAs(def, raw, path, source);
    } else {
      obj[key] ??= {};
      obj = obj[key] as Record<string, unknown>;
    }
  });
}

function parseAs(example: unknown, raw: string, path: string, source: string): unknown {
  switch (jsonType(example)) {
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n))
        throw new ConfigError(path, 'a number', raw, source);
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new ConfigError(path, 'true or false', raw, source);
    case 'array': {
      const parts = raw.split(',').map((s) => Number(s.trim()));
      if (parts.some((n) => !Number.isFinite(n)))
        throw new ConfigError(path, 'comma-separated numbers', raw, source);
      return parts;
    }
    case 'string':
      return raw;
    default:
      throw new ConfigError(
        path,
        'a leaf value (number, string, boolean or list)',
        'a section',
        source,
      );
  }
}

/**
 * The one way a config is resolved: defaults, then each override layer in order (keys and types
 * checked against the defaults, field rules after each layer), then cross-field checks; frozen.
 */
export function resolveLayers<T>(
  defaults: T,
  fieldRules: Rules,
  overrides: readonly { source: string; values: unknown }[],
  checkConsistency: (config: T) => void,
): T {
  let config = defaults;
  for (const { source, values } of overrides) {
    config = mergeChecked(config, values, source);
    checkRules(config, fieldRules, source);
  }
  checkRules(config, fieldRules, 'config');
  try {
    checkConsistency(config);
  } catch (err) {
    if (err instanceof ConfigError && err.source === 'config')
      throw new ConfigError(err.path, err.expected, err.found, blame(err.path, overrides));
    throw err;
  }
  return deepFreeze(structuredClone(config));
}

/**
 * Which layer to name for a cross-field error at `path` ("a.b", or "a.b/c" for several fields
 * of one section): the last layer that set one of those fields, else every layer that set
 * anything (the clash is then between defaults and those layers).
 */
function blame(path: string, overrides: readonly { source: string; values: unknown }[]): string {
  const [first, ...rest] = path.split('/');
  const prefix = first!.split('.').slice(0, -1);
  const paths = [first!, ...rest.map((leaf) => [...prefix, leaf].join('.'))];
  const sets = (values: unknown, p: string): boolean =>
    p
      .split('.')
      .reduce<unknown>(
        (obj, key) =>
          jsonType(obj) === 'object' && Object.hasOwn(obj as object, key)
            ? (obj as Record<string, unknown>)[key]
            : undefined,
        values,
      ) !== undefined;
  const setters = overrides.filter((o) => paths.some((p) => sets(o.values, p)));
  if (setters.length > 0) return `config (${setters[setters.length - 1]!.source})`;
  const touched = overrides.filter(
    (o) => jsonType(o.values) === 'object' && Object.keys(o.values as object).length > 0,
  );
  return touched.length > 0 ? `config (${touched.map((o) => o.source).join(', ')})` : 'config';
}
