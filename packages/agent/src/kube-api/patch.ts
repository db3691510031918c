/**
 * PATCH, as far as this slice goes: podkit does not change an object in place yet, so only a
 * patch that changes nothing (`{}`, what `kubectl apply` sends for an unchanged object when it
 * sends anything) is answered, with the object; any other is refused with what to do.
 */
import { decodeObject, readBody, sendObject } from './http.js';
import type { ApiObject } from './objects.js';
import type { ApiRequest } from './request.js';
import { KubeApiError, notFound, refuse } from './status.js';

export async function noChangePatch(r: ApiRequest, object: ApiObject | undefined): Promise<void> {
  if (object === undefined) throw new KubeApiError(notFound(r.resource, r.name ?? ''));
  const type = (r.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const raw = await readBody(r.req);
  if (type === 'application/json-patch+json') {
    let ops: unknown;
    try {
      ops = JSON.parse(raw.toString('utf8') || '[]');
    } catch {
      refuse('BadRequest', 'the JSON patch is not valid JSON');
    }
    if (Array.isArray(ops) && ops.length === 0) {
      sendObject(r.res, 200, object);
      return;
    }
  } else if (Object.keys(decodeObject(raw, 'application/json')).length === 0) {
    sendObject(r.res, 200, object);
    return;
  }
  refuse(
    'MethodNotAllowed',
    `${r.resource} "${object.metadata.name}": podkit does not change a ${object.kind} in place yet (${type === '' ? 'patch' : type} refused); delete it and create it again`,
  );
}

/**
 * The object a PATCH makes of `current` (placeholder: a JSON merge patch for merge and
 * strategic bodies; the full semantics come with patch/).
 */
export function patchObject(
  _contentType: string | undefined,
  current: ApiObject,
  body: Buffer,
  _kind: string,
): Record<string, unknown> {
  const patch = decodeObject(body, 'application/json');
  const merge = (target: unknown, p: unknown): unknown => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return p;
    const out: Record<string, unknown> =
      typeof target === 'object' && target !== null && !Array.isArray(target)
        ? { ...(target as Record<string, unknown>) }
        : {};
    for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
      if (k.startsWith('$')) continue;
      if (v === null) Reflect.deleteProperty(out, k);
      else out[k] = merge(out[k], v);
    }
    return out;
  };
  return merge(current, patch) as Record<string, unknown>;
}
