/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), as the API server applies
 * one (k8s.io/apimachinery strategicpatch, `StrategicMergeMapPatch` with the options the
 * server uses: deletion lists applied, nulls not matching anything dropped).
 *
 * Maps merge and `null` deletes a key. A list whose field has the `merge` strategy merges by
 * its merge key (containers by name, ports by containerPort, …; scalars as a set); any other
 * list is replaced whole. The directives kubectl sends:
 * - `$patch: replace` (a map or list replaced instead of merged), `$patch: delete` (a map
 *   emptied, or a list item removed by its merge key);
 * - `$retainKeys: [...]` (keys of the map not listed are removed);
 * - `$setElementOrder/<list>: [...]` (the final order of a merged list);
 * - `$deleteFromPrimitiveList/<list>: [...]` (scalars removed from a list).
 * Order of a merged list: items of the patch in patch order, items only on the server in
 * their order, interleaved as upstream does (new items first).
 *
 * Errors carry upstream's texts and codes: bad directive formats 400, a list of lists 422,
 * anything else (a missing merge key, an unknown `$patch`) the 500 with no reason the API
 * server answers for them.
 */
import { badRequest, internal, unprocessable } from './errors.js';
import { goFormat, isObject, type Json, type JsonObject } from './go-json.js';
import { clone, get, has, set, unset } from './json-value.js';
import { fieldMeta, type SchemaNode } from './schema.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';

const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const BAD_SET_ORDER = 'invalid patch format of setElementOrder list';

/**
 * `original` patched with `patch`, fields typed by the compact schema type `schema` (the
 * kind's, e.g. `Deployment`). Neither input is modified.
 *
 * @example strategicMerge({ spec: { containers: [{ name: 'a', image: 'x' }] } },
 *   { spec: { containers: [{ name: 'a', image: 'y' }] } }, 'Pod')
 */
export function strategicMerge(
  original: JsonObject,
  patch: JsonObject,
  schema: SchemaNode,
): JsonObject {
  return stripDirectives(mergeMap(clone(original), clone(patch), schema)) as JsonObject;
}

/** Go's reflect type name of a decoded value, as ErrBadArgType prints it. */
function goType(v: Json | undefined): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

function badArgType(expected: string, actual: Json | undefined): never {
  throw internal(`expected a ${expected}, but received a ${goType(actual)}`);
}

function noMergeKey(m: JsonObject, key: string): never {
  throw internal(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode): JsonObject {
  if (has(patch, DIRECTIVE)) return directiveInMap(patch[DIRECTIVE] as Json, patch);
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, schema);
  for (const key of Object.keys(patch)) {
    const patchV = patch[key] as Json;
    let k = key;
    let deleteList = false;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      k = extractKey(key, DELETE_PRIMITIVE);
      deleteList = true;
    }
    if (patchV === null) {
      unset(original, k);
      continue;
    }
    const originalV = get(original, k);
    if (originalV === undefined || typeTag(originalV) !== typeTag(patchV)) {
      if (!deleteList) setTaken(original, k, patchV);
      continue;
    }
    if (isObject(originalV) && isObject(patchV)) {
      set(original, k, mergeMap(originalV, patchV, fieldMeta(schema, k).type));
    } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
      const meta = fieldMeta(schema, k);
      set(
        original,
        k,
        meta.merge || deleteList
          ? mergeSlice(originalV, patchV, meta.type, meta.mergeKey, deleteList)
          : patchV,
      );
    } else {
      setTaken(original, k, patchV);
    }
  }
  return original;
}

/** A value of the patch the original has nothing to merge with: nulls and directives dropped. */
function setTaken(original: JsonObject, k: string, patchV: Json): void {
  discardNulls(patchV);
  const v = removeDirectives(patchV);
  if (v === undefined) unset(original, k);
  else set(original, k, v);
}

function typeTag(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v;
}

function directiveInMap(directive: Json, patch: JsonObject): JsonObject {
  if (directive === 'replace') {
    unset(patch, DIRECTIVE);
    return patch;
  }
  if (directive === 'delete') return {};
  throw internal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
}

function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix)
    throw badRequest(prefix === DELETE_PRIMITIVE ? BAD_PRIMITIVE_LIST : BAD_SET_ORDER);
  return key.slice(slash + 1);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!has(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  unset(patch, RETAIN_KEYS);
  if (!Array.isArray(retain)) throw badRequest(BAD_RETAIN_KEYS);
  const keep = new Set<Json>(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    if (!keep.has(k)) throw badRequest(BAD_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) unset(original, k);
}

/** `$setElementOrder/<list>`: the list merged (if patched) and put in the given order. */
function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: SchemaNode): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    unset(patch, key);
    if (!Array.isArray(order)) badArgType('[]interface {}', order);
    const field = extractKey(key, SET_ORDER);
    const inOriginal = has(original, field);
    const inPatch = has(patch, field);
    const originalList = get(original, field);
    const patchList = get(patch, field);
    if (inOriginal && !Array.isArray(originalList)) badArgType('[]interface {}', originalList);
    if (inPatch && !Array.isArray(patchList)) badArgType('[]interface {}', patchList);
    const originalItems = (originalList ?? []) as Json[];
    const patchItems = (patchList ?? []) as Json[];
    const meta = fieldMeta(schema, field);
    validateSetOrder(patchItems, order, meta.mergeKey);
    let merged: Json[];
    if (inOriginal && !inPatch) merged = originalItems;
    else if (!inOriginal && inPatch) merged = removeDirectives(patchItems) as Json[];
    else if (inOriginal && inPatch)
      merged = meta.merge
        ? mergeSlice(originalItems, patchItems, meta.type, meta.mergeKey, false)
        : patchItems;
    else continue;
    const [ordered, serverOnly] = partition(merged, order, meta.mergeKey);
    const kind = elementKind(originalItems, patchItems);
    set(
      original,
      field,
      normalizeElementOrder(ordered, serverOnly, order, originalItems, meta.mergeKey, kind),
    );
    unset(patch, field);
  }
}

function validateSetOrder(patchList: Json[], order: Json[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items =
    mergeKey === ''
      ? patchList
      : patchList.filter((v) => {
          if (!isObject(v)) badArgType('map[string]interface {}', v);
          return v[DIRECTIVE] !== 'delete';
        });
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p] as Json;
    if (isObject(item) && has(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (keyEqual(item, order[o] as Json, mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length)
    throw internal(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER} list:\n${goFormat(order)}\n`,
    );
}

function keyEqual(left: Json, right: Json, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isObject(left)) badArgType('map[string]interface {}', left);
  if (!isObject(right)) badArgType('map[string]interface {}', right);
  if (!has(left, mergeKey)) noMergeKey(left, mergeKey);
  if (!has(right, mergeKey)) noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

type Kind = 'map' | 'scalar';

function elementKind(...lists: Json[][]): Kind {
  let first: string | undefined;
  for (const list of lists)
    for (const v of list) {
      const t = typeTag(v);
      if (first === undefined) {
        if (t === 'array') throw unprocessable('lists of lists are not supported');
        first = t;
      } else if (t !== first) {
        throw internal(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  if (first === undefined) throw internal('no elements in any of the given slices');
  return first === 'object' ? 'map' : 'scalar';
}

function mergeSlice(
  original: Json[],
  patch: Json[],
  schema: SchemaNode,
  mergeKey: string,
  deleteList: boolean,
): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  let base = original;
  let items = patch;
  let merged: Json[];
  if (kind === 'scalar') {
    if (deleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (mergeKey === '')
      throw internal(`cannot merge lists without merge key for ${schema ?? 'struct'}`);
    [base, items] = withSpecialElements(original, patch as JsonObject[], mergeKey);
    merged = [...base];
    for (const v of items as JsonObject[]) {
      if (!has(v, mergeKey)) noMergeKey(v, mergeKey);
      const at = indexByKey(merged, mergeKey, v[mergeKey] as Json);
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, v, schema);
      else merged.push(v);
    }
  }
  const [fromPatch, serverOnly] = partition(merged, items, mergeKey);
  return normalizeElementOrder(fromPatch, serverOnly, items, base, mergeKey, kind);
}

/** `$patch: delete` items remove their match; `$patch: replace` makes the patch the list. */
function withSpecialElements(
  original: Json[],
  patch: JsonObject[],
  mergeKey: string,
): [Json[], Json[]] {
  const plain: Json[] = [];
  let base = original;
  let replace = false;
  for (const v of patch) {
    if (!has(v, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    const directive = v[DIRECTIVE] as Json;
    if (directive === 'delete') {
      if (!has(v, mergeKey)) noMergeKey(v, mergeKey);
      const key = v[mergeKey];
      base = base.filter((x) => !(isObject(x) && has(x, mergeKey) && x[mergeKey] === key));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw internal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(v)}`);
    }
  }
  return replace ? [plain, []] : [base, plain];
}

function indexByKey(list: Json[], mergeKey: string, value: Json): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw internal(`value for key ${String(i)} is not a map`);
    if (has(item, mergeKey) && item[mergeKey] === value) return i;
  }
  return -1;
}

/** The items of `list` present in `by` (by merge key, or equal scalars), and the others. */
function partition(list: Json[], by: Json[], mergeKey: string): [Json[], Json[]] {
  const present: Json[] = [];
  const others: Json[] = [];
  for (const v of list) {
    let found: boolean;
    if (mergeKey === '') found = by.includes(v);
    else {
      if (!isObject(v)) badArgType('map[string]interface {}', v);
      if (!has(v, mergeKey)) noMergeKey(v, mergeKey);
      found = indexByKey(by, mergeKey, v[mergeKey] as Json) >= 0;
    }
    (found ? present : others).push(v);
  }
  return [present, others];
}

function indexIn(order: Json[], item: Json, mergeKey: string, kind: Kind): number {
  if (kind !== 'map') return order.indexOf(item);
  const key = (item as JsonObject)[mergeKey];
  return order.findIndex((o) => isObject(o) && o[mergeKey] === key);
}

/** `toSort` in the order of `order` (items to delete last), stable. */
function normalizeSliceOrder(toSort: Json[], order: Json[], mergeKey: string, kind: Kind): Json[] {
  let keep = toSort;
  let deleted: Json[] = [];
  if (kind === 'map') {
    for (const v of [...toSort, ...order]) {
      if (!isObject(v)) badArgType('map[string]interface {}', v);
      if (!has(v, mergeKey)) noMergeKey(v, mergeKey);
    }
    keep = toSort.filter((v) => (v as JsonObject)[DIRECTIVE] !== 'delete');
    deleted = toSort.filter((v) => (v as JsonObject)[DIRECTIVE] === 'delete');
  }
  const sorted = keep
    .map((v, i) => ({ v, i, at: indexIn(order, v, mergeKey, kind) }))
    .sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : 0) || a.i - b.i)
    .map((e) => e.v);
  return [...sorted, ...deleted];
}

/**
 * Patch items in patch order and server-only items in server order, merged: a server item
 * goes first only when both are in the server's order and it comes earlier there — so items
 * new to the server come before the server items that follow.
 */
function normalizeElementOrder(
  fromPatch: Json[],
  serverOnly: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  mergeKey: string,
  kind: Kind,
): Json[] {
  const right = normalizeSliceOrder(fromPatch, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++] as Json);
    else if (i >= left.length) out.push(right[j++] as Json);
    else {
      const li = indexIn(serverOrder, left[i] as Json, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j] as Json, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as Json);
      else out.push(right[j++] as Json);
    }
  }
  return out;
}

/** Drops maps carrying `$patch` (and list items that are such maps); undefined: drop `v`. */
function removeDirectives(v: Json): Json | undefined {
  if (Array.isArray(v)) return v.map(removeDirectives).filter((x): x is Json => x !== undefined);
  if (isObject(v)) {
    if (has(v, DIRECTIVE)) return undefined;
    for (const k of Object.keys(v)) {
      const x = removeDirectives(v[k] as Json);
      if (x === undefined) unset(v, k);
      else set(v, k, x);
    }
  }
  return v;
}

function discardNulls(v: Json): void {
  if (Array.isArray(v)) for (const x of v) discardNulls(x);
  else if (isObject(v))
    for (const k of Object.keys(v)) {
      const x = v[k] as Json;
      if (x === null) unset(v, k);
      else discardNulls(x);
    }
}

/**
 * Directive keys left in the result (inside values the patch added whole) are gone once the
 * API server decodes the result into its typed object: they are unknown fields there.
 */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) v.forEach(stripDirectives);
  else if (isObject(v))
    for (const k of Object.keys(v)) {
      if (
        k === DIRECTIVE ||
        k === RETAIN_KEYS ||
        k.startsWith(`${SET_ORDER}/`) ||
        k.startsWith(`${DELETE_PRIMITIVE}/`)
      )
        unset(v, k);
      else stripDirectives(v[k] as Json);
    }
  return v;
}
