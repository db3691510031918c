/**
 * PATCH semantics of the Kubernetes API: given the live object and a PATCH body, the new
 * object, exactly as the API server computes it, or the Status it refuses the patch with
 * (thrown as KubeApiError). Pure: no storage, no admission; the caller checks a
 * `metadata.resourceVersion` precondition (see patchedResourceVersion), validates and stores.
 *
 * Content types: application/json-patch+json (RFC 6902), application/merge-patch+json
 * (RFC 7386), application/strategic-merge-patch+json, application/apply-patch+yaml
 * (server-side apply, simplified: see server-side-apply.ts).
 */
import type { ApiObject } from '../objects.js';
import { failure, invalid, KubeApiError } from '../status.js';
import { badRequest } from './errors.js';
import {
  GoJsonError,
  isObject,
  jsonTypeName,
  parseGoJson,
  type Json,
  type JsonObject,
} from './go-json.js';
import {
  applyJsonPatch,
  MAX_JSON_PATCH_OPERATIONS,
  type JsonPatchOperation,
} from './json-patch.js';
import { jsonMergePatch } from './json-merge.js';
import { kindGroup, kindSchema } from './schema.js';
import { decodeApplyBody, serverSideApply, type ApplyResult } from './server-side-apply.js';
import { strategicMerge } from './strategic-merge.js';

export { applyJsonPatch, type JsonPatchOperation } from './json-patch.js';
export { jsonMergePatch } from './json-merge.js';
export { strategicMerge } from './strategic-merge.js';
export { serverSideApply, decodeApplyBody, type ApplyResult } from './server-side-apply.js';
export type { Json, JsonObject } from './go-json.js';

/** The PATCH content types, in the order the API server lists them in its 415. */
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchContentType = (typeof PATCH_CONTENT_TYPES)[number];

/** The PATCH query parameters that change how a patch is read. */
export interface PatchOptions {
  /** `fieldManager`: required for apply. */
  fieldManager?: string | undefined;
  /** `force`: only for apply (accepted and ignored: podkit reports no conflicts). */
  force?: boolean | undefined;
}

/**
 * The object `current` becomes under the PATCH `body` of `contentType` (the header as sent;
 * parameters such as `; charset=utf-8` are ignored). `kind` is the resource's kind (`Pod`,
 * `Deployment`, …); it selects the merge keys of a strategic merge. Neither input is modified.
 *
 * Throws KubeApiError: 415 for another content type, 400 for a malformed body, 422/400/500 as
 * the API server answers a patch that does not apply, 400/422 for a patch changing
 * `metadata.name`/`namespace`/`uid`, `kind` or `apiVersion`. A patch removing the namespace,
 * uid, kind or apiVersion gets them back, as upstream.
 *
 * @example patchObject('application/merge-patch+json', pod, Buffer.from('{"metadata":{"labels":{"a":"b"}}}'), 'Pod')
 */
export function patchObject(
  contentType: string | undefined,
  current: ApiObject,
  body: Buffer,
  kind: string,
  options: PatchOptions = {},
): Record<string, unknown> {
  const type = patchContentType(contentType);
  validateOptions(type, options);
  const live = current as unknown as JsonObject;
  let result: Json;
  switch (type) {
    case 'application/strategic-merge-patch+json':
      result = strategicMerge(live, decodeStrategic(body), kindSchema(kind));
      break;
    case 'application/merge-patch+json':
      result = jsonMergePatch(live, decodeMerge(body));
      break;
    case 'application/json-patch+json':
      result = applyJsonPatch(live, decodeJsonPatch(body));
      break;
    case 'application/apply-patch+yaml':
      result = serverSideApply(live, decodeApplyBody(body), kind).object;
      break;
  }
  return keepIdentity(result, current, kind);
}

/**
 * Server-side apply of `body` to `current`, or — when there is no live object — the object to
 * create (`created: true`; creating it, with the admission of a POST, is the caller's).
 *
 * @example const { object, created } = applyObject(live, body, 'ConfigMap', { fieldManager: 'kubectl' })
 */
export function applyObject(
  current: ApiObject | undefined,
  body: Buffer,
  kind: string,
  options: PatchOptions,
): ApplyResult {
  validateOptions('application/apply-patch+yaml', options);
  const config = decodeApplyBody(body);
  if (current === undefined) return serverSideApply(undefined, config, kind);
  const live = current as unknown as JsonObject;
  const { object } = serverSideApply(live, config, kind);
  return { object: keepIdentity(object, current, kind) as JsonObject, created: false };
}

/** `metadata.resourceVersion` of a patched object, when the patch (or the object) has one. */
export function patchedResourceVersion(patched: Record<string, unknown>): string | undefined {
  const meta = patched.metadata;
  if (!isObject(meta)) return undefined;
  const rv = meta.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/** The media type of a PATCH; 415 with the API server's list for another. */
export function patchContentType(header: string | undefined): PatchContentType {
  const type = (header ?? '').split(';')[0]?.trim() ?? '';
  const known = PATCH_CONTENT_TYPES.find((t) => t === type);
  if (known === undefined)
    throw new KubeApiError(
      failure(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.join(', ')}`,
      ),
    );
  return known;
}

function validateOptions(type: PatchContentType, options: PatchOptions): void {
  const causes = [];
  if (type === 'application/apply-patch+yaml') {
    if ((options.fieldManager ?? '') === '')
      causes.push({
        reason: 'FieldValueRequired' as const,
        message: 'Required value: is required for apply patch',
        field: 'fieldManager',
      });
  } else if (options.force !== undefined) {
    causes.push({
      reason: 'FieldValueForbidden' as const,
      message: 'Forbidden: may not be specified for non-apply patch',
      field: 'force',
    });
  }
  if ((options.fieldManager ?? '').length > 128)
    causes.push({
      reason: 'FieldValueInvalid' as const,
      message: 'Too long: may not be more than 128 bytes',
      field: 'fieldManager',
    });
  if (causes.length > 0) {
    const status = invalid('PatchOptions', '', causes, 'meta.k8s.io');
    delete status.details?.name;
    throw new KubeApiError(status);
  }
}

function decodeJson(body: Buffer, prefix: string): Json {
  try {
    return parseGoJson(body.toString('utf8'));
  } catch (cause) {
    if (cause instanceof GoJsonError) throw badRequest(`${prefix}${cause.message}`, cause);
    throw cause;
  }
}

/** The strategic patch as a map; the API server's decoding errors, unprefixed. */
function decodeStrategic(body: Buffer): JsonObject {
  const value = decodeJson(body, '');
  if (value === null) return {};
  if (!isObject(value))
    throw badRequest(
      `json: cannot unmarshal ${jsonTypeName(value)} into Go value of type map[string]interface {}`,
    );
  return value;
}

function decodeMerge(body: Buffer): Json {
  const value = decodeJson(body, 'error decoding patch: ');
  if (value === null) throw badRequest('Invalid JSON Patch');
  if (!isObject(value))
    throw badRequest(
      `error decoding patch: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type map[string]interface {}`,
    );
  return value;
}

function decodeJsonPatch(body: Buffer): JsonPatchOperation[] {
  const value = decodeJson(body, 'error decoding patch: ');
  if (value === null) return [];
  const prefix = 'error decoding patch: json: cannot unmarshal';
  if (!Array.isArray(value))
    throw badRequest(
      `${prefix} ${jsonTypeName(value)} into Go value of type []handlers.jsonPatchOp`,
    );
  const ops = value.map((item): JsonPatchOperation => {
    if (item === null) return { hasValue: false };
    if (!isObject(item))
      throw badRequest(
        `${prefix} ${jsonTypeName(item)} into Go value of type handlers.jsonPatchOp`,
      );
    const op: JsonPatchOperation = { hasValue: Object.hasOwn(item, 'value') };
    for (const field of ['op', 'path', 'from'] as const) {
      const v = Object.hasOwn(item, field) ? item[field] : undefined;
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string')
        throw badRequest(
          `${prefix} ${jsonTypeName(v)} into Go struct field jsonPatchOp.${field} of type string`,
        );
      op[field] = v;
    }
    if (op.hasValue) op.value = item.value as Json;
    return op;
  });
  if (ops.length > MAX_JSON_PATCH_OPERATIONS)
    throw new KubeApiError(
      failure(
        'RequestEntityTooLarge',
        `The allowed maximum operations in a JSON patch is ${String(MAX_JSON_PATCH_OPERATIONS)}, got ${String(ops.length)}`,
      ),
    );
  return ops;
}

function immutable(kind: string, name: string, field: string, value: Json): KubeApiError {
  return new KubeApiError(
    invalid(
      kind,
      name,
      [
        {
          reason: 'FieldValueInvalid',
          field,
          message: `Invalid value: ${JSON.stringify(value)}: field is immutable`,
        },
      ],
      kindGroup(kind),
    ),
  );
}

/**
 * The identity a patch may not change, checked as the API server does: name against the URL
 * (400), namespace against the request's (400; an absent one is the request's), uid (422 as
 * an immutable field; an absent one is the live one's); kind and apiVersion likewise.
 */
function keepIdentity(result: Json, current: ApiObject, kind: string): Record<string, unknown> {
  const name = current.metadata.name;
  if (!isObject(result))
    throw new KubeApiError(
      failure(
        'Invalid',
        ` "" is invalid: patch: Invalid value: the patched ${jsonTypeName(result)} is not an object`,
      ),
    );
  for (const field of ['kind', 'apiVersion'] as const) {
    const v = result[field];
    if (v === undefined || v === null || v === '') result[field] = current[field];
    else if (v !== current[field]) throw immutable(kind, name, field, v);
  }
  const meta = result.metadata;
  const undeterminable = (): KubeApiError =>
    badRequest(
      `the name of the object (${name} based on URL) was undeterminable: name must be provided`,
    );
  if (!isObject(meta ?? null)) throw undeterminable();
  const m = meta as JsonObject;
  const namespace = current.metadata.namespace ?? '';
  if (namespace === '') delete m.namespace;
  else if (m.namespace === undefined || m.namespace === null || m.namespace === '')
    m.namespace = namespace;
  else if (m.namespace !== namespace)
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  if (typeof m.name !== 'string' || m.name === '') throw undeterminable();
  if (m.name !== name)
    throw badRequest(
      `the name of the object (${m.name}) does not match the name on the URL (${name})`,
    );
  const uid = current.metadata.uid;
  if (uid !== undefined) {
    if (m.uid === undefined || m.uid === null || m.uid === '') m.uid = uid;
    else if (m.uid !== uid) throw immutable(kind, name, 'metadata.uid', m.uid);
  }
  return result;
}
