/**
 * Own-property access and copying of decoded JSON. A body may carry a `__proto__` key, which
 * JSON.parse keeps as a plain property; plain assignment would instead replace the object's
 * prototype, so every write here defines the property.
 */
import { isObject, type Json, type JsonObject } from './go-json.js';

export function has(o: JsonObject, key: string): boolean {
  return Object.hasOwn(o, key);
}

export function get(o: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

export function set(o: JsonObject, key: string, value: Json): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A deep copy (the algorithms work in place on their copies; inputs stay untouched). */
export function clone<T extends Json>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) set(out, k, clone(v[k] as Json));
    return out as T;
  }
  return v;
}

/** Structural equality of two JSON values. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/** Removes `key` from `o` (a no-op when absent). */
export function unset(o: JsonObject, key: string): void {
  Reflect.deleteProperty(o, key);
}
