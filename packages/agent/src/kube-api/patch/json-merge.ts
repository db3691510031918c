/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`) as the API server applies it
 * (evanphx/json-patch `MergePatch`): objects merge key by key, `null` deletes, anything else
 * (lists included) replaces; nulls inside a value that replaces are pruned from its objects.
 */
import { isObject, type Json, type JsonObject } from './go-json.js';
import { clone, get, set, unset } from './json-value.js';

/**
 * `doc` merged with `patch` (neither modified). A patch that is not an object replaces the
 * document (the caller refuses a result that is not an object).
 *
 * @example jsonMergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }) // { a: 1, b: { d: 3 } }
 */
export function jsonMergePatch(doc: JsonObject, patch: Json): Json {
  if (!isObject(patch)) return pruneNulls(clone(patch));
  return mergeDocs(clone(doc), clone(patch));
}

function mergeDocs(doc: JsonObject, patch: JsonObject): JsonObject {
  for (const k of Object.keys(patch)) {
    const v = patch[k] as Json;
    const cur = get(doc, k);
    if (v === null) unset(doc, k);
    else if (cur === undefined || cur === null) set(doc, k, pruneNulls(v));
    else if (!isObject(cur)) set(doc, k, pruneNulls(v));
    // evanphx keeps a non-object patch value as it is (nulls inside a list included).
    else if (!isObject(v)) set(doc, k, v);
    else set(doc, k, mergeDocs(cur, v));
  }
  return doc;
}

/** Null-valued keys removed from objects, at any depth (null list items are kept). */
function pruneNulls(v: Json): Json {
  if (Array.isArray(v)) v.forEach(pruneNulls);
  else if (isObject(v))
    for (const k of Object.keys(v)) {
      const x = v[k] as Json;
      if (x === null) unset(v, k);
      else pruneNulls(x);
    }
  return v;
}
