import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import {
  childPath,
  indexPath,
  type JsonObject,
  type JsonValue,
  type NodePosition,
  type PositionMap,
} from './yaml-documents.js';

/** Collects diagnostics for one document, positioned through its path → position lookup. */
export class SpecContext {
  readonly file: string;
  readonly positions: PositionMap;
  readonly diagnostics: Diagnostic[];
  /**
   * The namespace the objects are read into (`podkit -n NS`): an object without one is
   * placed there, and one naming another namespace is an error (kubectl's rule). Undefined:
   * objects keep their own, else `default`.
   */
  readonly namespace: string | undefined;

  constructor(file: string, positions: PositionMap, diagnostics: Diagnostic[], namespace?: string) {
    this.file = file;
    this.positions = positions;
    this.diagnostics = diagnostics;
    this.namespace = namespace;
  }

  /** Reports an error on the value at `path` (or its key, or its nearest ancestor). */
  error(
    path: string,
    message: string,
    code = 'invalid-value',
    at: 'value' | 'key' = 'value',
  ): void {
    this.report('error', path, message, code, at);
  }

  warning(path: string, message: string, code = 'ignored', at: 'value' | 'key' = 'key'): void {
    this.report('warning', path, message, code, at);
  }

  position(path: string): NodePosition | undefined {
    return this.positions.get(path);
  }

  private report(
    severity: Diagnostic['severity'],
    path: string,
    message: string,
    code: string,
    at: 'value' | 'key',
  ): void {
    const { line, column } = this.positions.locate(path, at);
    this.diagnostics.push({ severity, code, file: this.file, line, column, path, message });
  }

  /** Number of errors so far (to tell whether a sub-read added any). */
  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}

/** `string "abc"`, `integer 5`, `number 1.5`, `boolean true`, `object`, `array`, `null`. */
export function describeValue(value: JsonValue, position?: NodePosition): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return `string ${JSON.stringify(value)}`;
    case 'number':
      // `1.0` is a float in YAML even though JavaScript cannot tell it from 1.
      return Number.isInteger(value) && !/[.eE]/.test(position?.source ?? '')
        ? `integer ${value}`
        : `number ${position?.plain === true ? (position.source ?? value) : value}`;
    case 'boolean':
      return `boolean ${value}`;
    default:
      return 'object';
  }
}

/** A type mismatch message; explains YAML 1.1 readings (`yes`, `0644`, `1.0`) of plain scalars. */
export function typeMismatch(expected: string, value: JsonValue, position?: NodePosition): string {
  let message = `expected ${expected}, got ${describeValue(value, position)}`;
  const source = position?.source;
  if (
    expected === 'string' &&
    position?.plain === true &&
    source !== undefined &&
    (typeof value === 'boolean' || typeof value === 'number')
  ) {
    message += ` (YAML reads ${source} as a ${typeof value}; quote it: "${source}")`;
  }
  return message;
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface IntegerOptions {
  required?: boolean | string;
  min?: number;
  max?: number;
  /** Replaces the default `must be MIN-MAX` text. */
  range?: string;
}

const INT32_MAX = 2147483647;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Reads the fields of one mapping, checking types and recording which keys are known, so
 * that `end()` can report the unknown ones with a did-you-mean suggestion.
 * A `null` field counts as absent, as in Kubernetes' JSON decoding.
 */
export class Fields {
  readonly ctx: SpecContext;
  readonly path: string;
  readonly value: JsonObject;
  private readonly known = new Set<string>();

  private constructor(ctx: SpecContext, value: JsonObject, path: string) {
    this.ctx = ctx;
    this.value = value;
    this.path = path;
  }

  /**
   * Fields of `value`, or undefined when it is absent/null (silently) or not a mapping (an
   * error). With `required`, absence is an error too.
   */
  static of(
    ctx: SpecContext,
    value: JsonValue | undefined,
    path: string,
    required: boolean | string = false,
  ): Fields | undefined {
    if (value === undefined || value === null) {
      if (required !== false) ctx.error(path, requiredMessage(required), 'required');
      return undefined;
    }
    if (!isObject(value)) {
      ctx.error(path, typeMismatch('object', value, ctx.position(path)), 'wrong-type');
      return undefined;
    }
    return new Fields(ctx, value, path);
  }

  at(key: string): string {
    return childPath(this.path, key);
  }

  /** True when `key` is present with a non-null value. Does not mark it known. */
  has(key: string): boolean {
    const v = this.value[key];
    return v !== undefined && v !== null;
  }

  /** The raw value of a known key (null → undefined). */
  raw(key: string): JsonValue | undefined {
    this.known.add(key);
    const v = this.value[key];
    return v === null ? undefined : v;
  }

  /** Marks keys as known without reading them (they are read elsewhere). */
  accept(...keys: string[]): void {
    for (const key of keys) this.known.add(key);
  }

  private missing(key: string, required: boolean | string | undefined): void {
    if (required !== undefined && required !== false) {
      this.ctx.error(this.at(key), requiredMessage(required), 'required');
    }
  }

  private wrongType(key: string, expected: string, value: JsonValue): void {
    const path = this.at(key);
    this.ctx.error(path, typeMismatch(expected, value, this.ctx.position(path)), 'wrong-type');
  }

  string(key: string, options: { required?: boolean | string } = {}): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      this.missing(key, options.required);
      return;
    }
    if (typeof v !== 'string') {
      this.wrongType(key, 'string', v);
      return;
    }
    if (v === '' && options.required !== undefined && options.required !== false) {
      this.missing(key, options.required);
      return;
    }
    return v;
  }

  /** An enum string; a wrong value is reported with the allowed ones and a did-you-mean. */
  enumeration<T extends string>(
    key: string,
    allowed: readonly T[],
    options: { required?: boolean | string } = {},
  ): T | undefined {
    const v = this.string(key, options);
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.ctx.error(this.at(key), oneOfMessage(allowed, v), 'invalid-value');
    return undefined;
  }

  integer(key: string, options: IntegerOptions = {}): number | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      this.missing(key, options.required);
      return;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.wrongType(key, 'integer', v);
      return;
    }
    const min = options.min ?? -INT64_MAX;
    const max = options.max ?? INT64_MAX;
    if (v < min || v > max) {
      this.ctx.error(
        this.at(key),
        `${options.range ?? rangeText(min, max)}, got ${v}`,
        'out-of-range',
      );
      return undefined;
    }
    return v;
  }

  /** A 32-bit integer field (ports, probe timings): the range is checked by the caller's min/max. */
  int32(key: string, options: IntegerOptions = {}): number | undefined {
    return this.integer(key, { max: INT32_MAX, min: -INT32_MAX - 1, ...options });
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.wrongType(key, 'boolean', v);
      return;
    }
    return v;
  }

  /** A nested mapping, read by `read`; its unknown fields are reported. */
  object<T>(
    key: string,
    read: (fields: Fields) => T,
    options: { required?: boolean | string } = {},
  ): T | undefined {
    const v = this.raw(key);
    const fields = Fields.of(this.ctx, v, this.at(key), options.required ?? false);
    if (fields === undefined) return undefined;
    const result = read(fields);
    fields.end();
    return result;
  }

  /** A list; `read` gets each item (undefined results are dropped: they were reported). */
  list<T>(
    key: string,
    read: (item: JsonValue, path: string, index: number) => T | undefined,
    options: { required?: boolean | string } = {},
  ): T[] | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      this.missing(key, options.required);
      return;
    }
    if (!Array.isArray(v)) {
      this.wrongType(key, 'array', v);
      return;
    }
    const out: T[] = [];
    v.forEach((item, i) => {
      const result = read(item, indexPath(this.at(key), i), i);
      if (result !== undefined) out.push(result);
    });
    return out;
  }

  /** A list of mappings, each read by `read` with its unknown fields reported. */
  objectList<T>(
    key: string,
    read: (fields: Fields, index: number) => T | undefined,
    options: { required?: boolean | string } = {},
  ): T[] | undefined {
    return this.list(
      key,
      (item, path, index) => {
        if (item === null) {
          this.ctx.error(path, 'expected object, got null', 'wrong-type');
          return undefined;
        }
        const fields = Fields.of(this.ctx, item, path);
        if (fields === undefined) return undefined;
        const result = read(fields, index);
        fields.end();
        return result;
      },
      options,
    );
  }

  stringList(key: string, options: { required?: boolean | string } = {}): string[] | undefined {
    return this.list(
      key,
      (item, path) => {
        if (typeof item === 'string') return item;
        this.ctx.error(path, typeMismatch('string', item, this.ctx.position(path)), 'wrong-type');
        return undefined;
      },
      options,
    );
  }

  /** A map of strings (labels, ConfigMap data); every value must be a string. */
  stringMap(key: string): Record<string, string> | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!isObject(v)) {
      this.wrongType(key, 'object', v);
      return;
    }
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v)) {
      const path = childPath(this.at(key), k);
      if (typeof item === 'string') {
        out[k] = item;
      } else {
        this.ctx.error(path, typeMismatch('string', item, this.ctx.position(path)), 'wrong-type');
      }
    }
    return out;
  }

  /** A scheduling-only (or otherwise inert on one machine) field: accepted with a warning. */
  ignored(key: string, reason = 'ignored on one machine'): void {
    this.known.add(key);
    if (this.has(key)) this.ctx.warning(this.at(key), reason, 'ignored');
  }

  /**
   * A real Kubernetes field that podkit does not implement: an error when present, because
   * silently dropping it would change the pod's behaviour.
   */
  unsupported(key: string, reason?: string): void {
    this.known.add(key);
    if (this.has(key)) {
      const why = reason === undefined ? '' : ` (${reason})`;
      this.ctx.error(this.at(key), `not supported by podkit${why}`, 'unsupported', 'key');
    }
  }

  /** Reports every key that was not read as unknown, with a did-you-mean when one is close. */
  end(): void {
    for (const key of Object.keys(this.value)) {
      if (this.known.has(key)) continue;
      const suggestion = didYouMean(key, this.known);
      const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
      this.ctx.error(this.at(key), `unknown field${hint}`, 'unknown-field', 'key');
    }
  }
}

export function requiredMessage(required: boolean | string): string {
  return typeof required === 'string' ? `required (${required})` : 'required';
}

export function rangeText(min: number, max: number): string {
  if (max >= INT32_MAX && min <= -INT32_MAX) return 'must be an integer';
  if (max >= INT32_MAX) return `must be ${min} or more`;
  return `must be ${min}-${max}`;
}

/** `must be one of Always, OnFailure, Never, got "always"; did you mean "Always"?` */
export function oneOfMessage(allowed: readonly string[], got: string): string {
  const suggestion = didYouMean(got, allowed);
  const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
  const list = allowed.map((a) => (a === '' ? '""' : a)).join(', ');
  return `must be one of ${list}, got ${JSON.stringify(got)}${hint}`;
}
