/**
 * JSON patch (RFC 6902, `application/json-patch+json`) with RFC 6901 pointers, as the API
 * server applies one (evanphx/json-patch v4, which k8s.io/apiserver uses): add, remove,
 * replace, move, copy, test; `~0`/`~1` escapes, `-` for the end of a list, and — beyond the
 * RFC, as upstream — negative indices counting from the end.
 *
 * Upstream quirks kept because clients see them: `replace` of a missing object key adds it,
 * `replace` of the whole document (path "") by an object or list swaps it and by anything
 * else does nothing, `copy` from a missing object key copies null, a `test` of an object
 * compares only the keys the document has, a `test` with value null passes for a missing key.
 * `json-patch-oracle.test.ts` checks these against kubectl (the same library) at random. Written here rather
 * than taken from npm: the RFC-exact libraries (fast-json-patch, rfc6902) differ from upstream
 * in exactly those cases and in their errors, and the whole is small.
 *
 * Every failure of an operation is the API server's generic 422 (reason Invalid, "the server
 * rejected our request due to an error in our request"); what failed is the error's cause.
 */
import { unprocessable } from './errors.js';
import { isObject, type Json, type JsonObject } from './go-json.js';
import { clone, get, has, jsonEqual, set, unset } from './json-value.js';

/** The API server's limit of operations in one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** One decoded operation; fields absent from the body are undefined. */
export interface JsonPatchOperation {
  op?: string;
  path?: string;
  from?: string;
  /** Present (possibly null) when the body has `value`. */
  value?: Json;
  hasValue: boolean;
}

type Container = JsonObject | Json[];

/**
 * `doc` with `ops` applied in order (not modified).
 *
 * @example applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/-', value: 2, hasValue: true }])
 */
export function applyJsonPatch(doc: JsonObject, ops: readonly JsonPatchOperation[]): Json {
  const state: Root = { doc: clone(doc) };
  for (const op of ops) {
    const root = state.doc;
    switch (op.op) {
      case 'add':
        add(root, op);
        break;
      case 'remove':
        remove(root, op);
        break;
      case 'replace':
        replace(state, op);
        break;
      case 'move':
        move(root, op);
        break;
      case 'copy':
        copy(root, op);
        break;
      case 'test':
        test(root, op);
        break;
      default:
        throw unprocessable(`Unexpected kind: ${op.op ?? 'unknown'}`);
    }
  }
  return state.doc;
}

/** The document, which a `replace` of the whole (path "") may swap for another. */
interface Root {
  doc: Container;
}

function decodeKey(s: string): string {
  return s.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** Go's strconv.Atoi: optional sign, decimal digits, int64 range. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The container the pointer's last token is in, and that token; undefined when missing. */
function findObject(root: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc: Container = root;
  for (const part of split.slice(1, -1)) {
    const next = getIn(doc, decodeKey(part));
    if (next === undefined || next === null) return undefined;
    if (!Array.isArray(next) && !isObject(next)) return undefined;
    doc = next;
  }
  return { con: doc, key: decodeKey(split[split.length - 1] ?? '') };
}

/** A child: undefined when an object lacks the key; throws for a bad list index. */
function getIn(con: Container, key: string): Json | undefined {
  if (!Array.isArray(con)) return get(con, key);
  const idx = atoi(key);
  if (idx === undefined) throw unprocessable(`invalid index ${key}`);
  return con[listIndex(con, idx)];
}

/** A negative index counts from the end; out of range either way is an error. */
function listIndex(con: Json[], idx: number): number {
  const at = idx < 0 ? idx + con.length : idx;
  if (at < 0 || at >= con.length)
    throw unprocessable(`Unable to access invalid index: ${String(idx)}`);
  return at;
}

function addIn(con: Container, key: string, value: Json): void {
  if (!Array.isArray(con)) {
    set(con, key, value);
    return;
  }
  if (key === '-') {
    con.push(value);
    return;
  }
  let idx = atoi(key);
  if (idx === undefined) throw unprocessable(`value was not a proper array index: '${key}'`);
  const size = con.length + 1;
  if (idx >= size || idx < -size)
    throw unprocessable(`Unable to access invalid index: ${String(idx)}`);
  if (idx < 0) idx += size;
  con.splice(idx, 0, value);
}

function removeIn(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!has(con, key)) throw unprocessable(`Unable to remove nonexistent key: ${key}`);
    unset(con, key);
    return;
  }
  let idx = atoi(key);
  if (idx === undefined) throw unprocessable(`invalid index ${key}`);
  if (idx >= con.length || idx < -con.length)
    throw unprocessable(`Unable to access invalid index: ${String(idx)}`);
  if (idx < 0) idx += con.length;
  con.splice(idx, 1);
}

function need(path: string | undefined, what: string): string {
  if (path === undefined) throw unprocessable(`${what} operation failed to decode path`);
  return path;
}

function located(root: Container, path: string, what: string): { con: Container; key: string } {
  const at = findObject(root, path);
  if (at === undefined)
    throw unprocessable(`${what} operation does not apply: doc is missing path: "${path}"`);
  return at;
}

function add(root: Container, op: JsonPatchOperation): void {
  const { con, key } = located(root, need(op.path, 'add'), 'add');
  addIn(con, key, clone(op.value ?? null));
}

function remove(root: Container, op: JsonPatchOperation): void {
  const { con, key } = located(root, need(op.path, 'remove'), 'remove');
  removeIn(con, key);
}

function replace(state: Root, op: JsonPatchOperation): void {
  const path = need(op.path, 'replace');
  if (path === '') {
    // The whole document: by an object or a list; upstream wraps a nil error for any other
    // value, so the operation then does nothing.
    const value = op.value ?? null;
    if (isObject(value) || Array.isArray(value)) state.doc = clone(value);
    return;
  }
  const { con, key } = located(state.doc, path, 'replace');
  const value = clone(op.value ?? null);
  if (Array.isArray(con)) {
    const idx = atoi(key);
    if (idx === undefined) throw unprocessable(`invalid index ${key}`);
    con[listIndex(con, idx)] = value;
  } else set(con, key, value);
}

function move(root: Container, op: JsonPatchOperation): void {
  const from = located(root, need(op.from, 'move'), 'move');
  const value = getIn(from.con, from.key) ?? null;
  removeIn(from.con, from.key);
  const to = located(root, need(op.path, 'move'), 'move');
  addIn(to.con, to.key, value);
}

function copy(root: Container, op: JsonPatchOperation): void {
  const from = located(root, need(op.from, 'copy'), 'copy');
  const value = clone(getIn(from.con, from.key) ?? null);
  const to = located(root, need(op.path, 'copy'), 'copy');
  addIn(to.con, to.key, value);
}

function test(root: Container, op: JsonPatchOperation): void {
  const path = need(op.path, 'test');
  const fail = (): never => {
    throw unprocessable(`testing value ${path} failed: test failed`);
  };
  if (path === '') {
    if (!upstreamEqual(root, op.value ?? null)) fail();
    return;
  }
  const { con, key } = located(root, path, 'test');
  const actual = getIn(con, key);
  if (actual === undefined || actual === null) {
    if (op.value === undefined || op.value === null) return;
    fail();
  }
  if (!op.hasValue) fail();
  if (!upstreamEqual(actual ?? null, op.value ?? null)) fail();
}

/** evanphx's equality: an object matches when each of its keys is in the other and equal. */
function upstreamEqual(doc: Json, value: Json): boolean {
  if (isObject(doc)) {
    if (!isObject(value)) return false;
    return Object.keys(doc).every((k) => {
      if (!has(value, k)) return false;
      const a = doc[k] as Json;
      const b = value[k] as Json;
      if (a === null || b === null) return a === b;
      return upstreamEqual(a, b);
    });
  }
  if (Array.isArray(doc))
    return (
      Array.isArray(value) &&
      doc.length === value.length &&
      doc.every((x, i) => upstreamEqual(x, value[i] as Json))
    );
  return jsonEqual(doc, value);
}
