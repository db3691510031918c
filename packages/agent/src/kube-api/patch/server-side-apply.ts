/**
 * Server-side apply (`application/apply-patch+yaml`, what `kubectl apply --server-side`
 * sends), simplified. The applied configuration (YAML or JSON) is merged into the live object
 * with the strategic-merge rules of the same merge keys: maps merge, keyed lists merge item by
 * item, other lists and scalars are replaced by the configuration's.
 *
 * Limits, because podkit keeps no `managedFields`: a field the configuration no longer lists
 * is kept (upstream removes a field its manager stops applying); conflicts with other managers
 * are never reported, so `force` changes nothing; list items merge by the strategic-merge key
 * (e.g. container ports by `containerPort`, where apply keys them by port and protocol).
 * Creating an absent object is the caller's business: `created` says the result is new.
 */
import { parseYamlDocuments } from '@podkit/runtime/spec';
import { badRequest } from './errors.js';
import { isObject, jsonTypeName, type Json, type JsonObject } from './go-json.js';
import { clone, set, unset } from './json-value.js';
import { kindGroup, kindSchema } from './schema.js';
import { strategicMerge } from './strategic-merge.js';

export interface ApplyResult {
  object: JsonObject;
  /** No live object: the result is the configuration itself, to be created. */
  created: boolean;
}

/** The apply body as one object; 400 with the API server's prefix when it is not one. */
export function decodeApplyBody(body: Buffer): JsonObject {
  const parsed = parseYamlDocuments(body.toString('utf8'), 'body');
  const syntax = parsed.diagnostics.find((d) => d.severity === 'error');
  if (syntax !== undefined)
    throw badRequest(
      `error decoding YAML: error converting YAML to JSON: yaml: line ${String(syntax.line)}: ${syntax.message.replace(/^YAML syntax error: /, '')}`,
    );
  // sigs.k8s.io/yaml reads the first document; an empty body is an empty object.
  const value = parsed.documents[0]?.value ?? null;
  if (value === null) return {};
  if (!isObject(value))
    throw badRequest(
      `error decoding YAML: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type map[string]interface {}`,
    );
  return value;
}

/** The apiVersion an apply to `kind` must name (`apps/v1`, `batch/v1`, `v1`). */
export function expectedApiVersion(kind: string): string {
  const group = kindGroup(kind);
  return group === '' ? 'v1' : `${group}/v1`;
}

/**
 * Applies `config` (decoded by decodeApplyBody) to `live`, or yields it to create when `live`
 * is undefined. Nulls in the configuration mean "not specified" and are dropped.
 *
 * @example serverSideApply(live, decodeApplyBody(body), 'Deployment').object
 */
export function serverSideApply(
  live: JsonObject | undefined,
  config: JsonObject,
  kind: string,
): ApplyResult {
  const expected = expectedApiVersion(kind);
  const version = config.apiVersion;
  if (version !== expected)
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${typeof version === 'string' ? version : ''}, expected: ${expected}`,
    );
  const meta = config.metadata;
  if (isObject(meta) && meta.managedFields !== undefined && meta.managedFields !== null)
    throw badRequest('metadata.managedFields must be nil');
  const applied = withoutNulls(clone(config)) as JsonObject;
  if (live === undefined) return { object: applied, created: true };
  return { object: strategicMerge(live, applied, kindSchema(kind)), created: false };
}

/** Nulls and directive-looking keys dropped: an applied configuration is plain data. */
function withoutNulls(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(withoutNulls);
  if (isObject(v))
    for (const k of Object.keys(v)) {
      const x = v[k] as Json;
      if (x === null || k.startsWith('$')) unset(v, k);
      else set(v, k, withoutNulls(x));
    }
  return v;
}
