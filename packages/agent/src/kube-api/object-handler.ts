/**
 * get, list, watch, create, update (PUT), patch and delete for the resources whose objects are
 * podkit's stored objects (ConfigMaps, Secrets, Services, claims, workloads), through one
 * ObjectStore per resource: what the cache is, how an admitted object is written, how one is
 * removed. A write answers once the cache has the result, with its new resourceVersion.
 */
import type { ManifestSet } from '@podkit/runtime/spec';
import { admit, checkUpdate, fieldValidationOf, metadataOf } from './admission.js';
import { decodeObject, readBody, sendObject } from './http.js';
import type { ApiObject } from './objects.js';
import { applyObject, patchContentType, patchObject } from './patch/index.js';
import { includeObjectOf, isWatch, listFilter, watchSeconds, type ApiRequest } from './request.js';
import { groupVersion, type ResourceInfo } from './resources.js';
import { isScalable, scaleOf, wantedReplicas } from './scale.js';
import { alreadyExists, invalid, KubeApiError, notFound, refuse } from './status.js';
import { wantsTable, type IncludeObject, type Table } from './tables.js';
import { serveWatch } from './watch.js';
import type { WatchCache } from './watch-cache.js';

export type Tabler = (
  items: readonly ApiObject[],
  now: number,
  include: IncludeObject,
  rv: string,
) => Table;

export interface DeleteOptions {
  gracePeriodSeconds: number | undefined;
  propagationPolicy: 'Orphan' | 'Background' | 'Foreground' | undefined;
}

export interface ObjectStore {
  info: ResourceInfo;
  cache: WatchCache<ApiObject>;
  /** Brings the cache up to date with the node (awaited before every answer). */
  refresh: () => Promise<void> | void;
  table: Tabler;
  /** The fields a fieldSelector may name, beyond metadata.name and metadata.namespace. */
  fields?: { names: readonly string[]; of: (o: ApiObject) => Record<string, string> };
  /** Creates or updates the object an admitted request holds. Undefined: read-only. */
  write?: (set: ManifestSet, existing: ApiObject | undefined) => Promise<void>;
  remove?: (namespace: string, name: string, options: DeleteOptions) => Promise<void>;
  /**
   * What the server itself filled in (a Service's clusterIPs, a claim's volumeName) taken out
   * of an object about to be admitted again (an update of what a GET answered).
   */
  forAdmission?: (o: Record<string, unknown>) => Record<string, unknown>;
}

const key = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

function byNamespaceName(a: ApiObject, b: ApiObject): number {
  return (
    (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

function groupOf(s: ObjectStore): string {
  return s.info.group;
}

export async function handleObjects(r: ApiRequest, s: ObjectStore): Promise<void> {
  await s.refresh();
  const { method, name, namespace } = r;
  const table = wantsTable(r.req.headers.accept);
  const include = includeObjectOf(r.query);
  if (
    r.subresource === 'scale' &&
    isScalable(s.info.name) &&
    name !== undefined &&
    namespace !== undefined
  ) {
    await handleScale(r, s, namespace, name);
    return;
  }
  if (r.subresource === 'status' && method === 'GET' && name !== undefined) {
    // The object with its status (what kubectl reads as `…/status`); written by podkit only.
  } else if (r.subresource !== undefined)
    refuse(
      'NotFound',
      `the server could not find the requested resource (${r.subresource} is not served)`,
    );
  if (name === undefined) {
    if (method === 'GET') {
      const names = ['metadata.name', 'metadata.namespace', ...(s.fields?.names ?? [])];
      const fieldsOf = (o: ApiObject): Record<string, string> => ({
        'metadata.name': o.metadata.name,
        'metadata.namespace': o.metadata.namespace ?? '',
        ...(s.fields?.of(o) ?? {}),
      });
      const matches = listFilter(r, fieldsOf, names, s.info.kind);
      if (isWatch(r.query)) {
        serveWatch(r.req, r.res, s.cache, {
          resourceVersion: r.query.get('resourceVersion'),
          timeoutSeconds: watchSeconds(r.query),
          matches,
          encode: (_t, o, first) => {
            if (!table) return o;
            const t = s.table([o], Date.now(), include, o.metadata.resourceVersion ?? '');
            return first ? t : { ...t, columnDefinitions: [] };
          },
        });
        return;
      }
      const { items, resourceVersion } = s.cache.list();
      const found = items.filter(matches).sort(byNamespaceName);
      if (table) sendObject(r.res, 200, s.table(found, Date.now(), include, resourceVersion));
      else
        sendObject(r.res, 200, {
          kind: `${s.info.kind}List`,
          apiVersion: groupVersion(s.info.group),
          metadata: { resourceVersion },
          items: found,
        });
      return;
    }
    if (method === 'POST' && namespace !== undefined) {
      const body = decodeObject(await readBody(r.req), r.req.headers['content-type']);
      await create(r, s, namespace, body);
      return;
    }
    refuse('MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }
  if (namespace === undefined && s.info.namespaced)
    refuse('NotFound', 'the server could not find the requested resource');
  const current = s.cache.get(key(namespace, name));
  if (method === 'GET') {
    if (current === undefined) throw new KubeApiError(notFound(s.info.name, name, groupOf(s)));
    if (table)
      sendObject(
        r.res,
        200,
        s.table([current], Date.now(), include, current.metadata.resourceVersion ?? ''),
      );
    else sendObject(r.res, 200, current);
    return;
  }
  if (namespace === undefined) refuse('MethodNotAllowed', `${s.info.name} are read-only in podkit`);
  if (method === 'PUT') {
    const body = decodeObject(await readBody(r.req), r.req.headers['content-type']);
    if (current === undefined) throw new KubeApiError(notFound(s.info.name, name, groupOf(s)));
    await update(r, s, namespace, name, current, body);
    return;
  }
  if (method === 'PATCH') {
    const raw = await readBody(r.req);
    const type = r.req.headers['content-type'];
    const options = {
      fieldManager: r.query.get('fieldManager') ?? undefined,
      force: r.query.has('force') ? r.query.get('force') === 'true' : undefined,
    };
    if (patchContentType(type) === 'application/apply-patch+yaml') {
      // Server-side apply: creates what is not there yet.
      const applied = applyObject(current, raw, s.info.kind, options);
      if (applied.created) await create(r, s, namespace, applied.object);
      else if (current !== undefined) await update(r, s, namespace, name, current, applied.object);
      return;
    }
    if (current === undefined) throw new KubeApiError(notFound(s.info.name, name, groupOf(s)));
    await update(
      r,
      s,
      namespace,
      name,
      current,
      patchObject(type, current, raw, s.info.kind, options),
    );
    return;
  }
  if (method === 'DELETE') {
    if (current === undefined) throw new KubeApiError(notFound(s.info.name, name, groupOf(s)));
    if (s.remove === undefined) refuse('MethodNotAllowed', `${s.info.name} cannot be deleted`);
    const raw = await readBody(r.req);
    const body = raw.length === 0 ? {} : decodeObject(raw, r.req.headers['content-type']);
    await s.remove(namespace, name, deleteOptions(r.query, body));
    await s.refresh();
    sendObject(r.res, 200, current);
    return;
  }
  refuse('MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

function deleteOptions(q: URLSearchParams, body: Record<string, unknown>): DeleteOptions {
  const graceText =
    q.get('gracePeriodSeconds') ??
    (typeof body.gracePeriodSeconds === 'number' ? String(body.gracePeriodSeconds) : null);
  const grace = graceText === null ? undefined : Number(graceText);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
    refuse('BadRequest', `gracePeriodSeconds must be a whole number ≥ 0, not ${String(graceText)}`);
  const policy =
    q.get('propagationPolicy') ??
    (typeof body.propagationPolicy === 'string' ? body.propagationPolicy : null);
  if (policy !== null && !['Orphan', 'Background', 'Foreground'].includes(policy))
    refuse(
      'BadRequest',
      `propagationPolicy must be Orphan, Background or Foreground, not ${JSON.stringify(policy)}`,
    );
  return {
    gracePeriodSeconds: grace,
    propagationPolicy: (policy ?? undefined) as DeleteOptions['propagationPolicy'],
  };
}

async function create(
  r: ApiRequest,
  s: ObjectStore,
  namespace: string,
  body: Record<string, unknown>,
): Promise<void> {
  if (s.write === undefined) refuse('MethodNotAllowed', `${s.info.name} cannot be created`);
  if (r.query.get('dryRun') === 'All')
    refuse('BadRequest', 'dryRun is not supported by podkit yet');
  const { set, name, warnings } = admit(
    body,
    s.info.kind,
    namespace,
    fieldValidationOf(r.query),
    groupVersion(s.info.group),
  );
  if (s.cache.get(key(namespace, name)) !== undefined)
    throw new KubeApiError(alreadyExists(s.info.name, name, groupOf(s)));
  await s.write(set, undefined);
  await s.refresh();
  const made = s.cache.get(key(namespace, name));
  if (made === undefined)
    throw new Error(`${s.info.kind} ${namespace}/${name} was written but is not listed`);
  sendObject(r.res, 201, made, warnings);
}

async function update(
  r: ApiRequest,
  s: ObjectStore,
  namespace: string,
  name: string,
  current: ApiObject,
  body: Record<string, unknown>,
  answer: (updated: ApiObject) => unknown = (o) => o,
): Promise<void> {
  if (s.write === undefined) refuse('MethodNotAllowed', `${s.info.name} cannot be changed`);
  if (r.query.get('dryRun') === 'All')
    refuse('BadRequest', 'dryRun is not supported by podkit yet');
  const meta = metadataOf(body);
  checkUpdate(meta, name, current.metadata.resourceVersion, s.info.name, groupOf(s));
  const object = s.forAdmission === undefined ? { ...body } : s.forAdmission({ ...body });
  delete object.status;
  const { set, warnings } = admit(
    { ...object, metadata: { ...meta, name } },
    s.info.kind,
    namespace,
    fieldValidationOf(r.query),
    groupVersion(s.info.group),
  );
  await s.write(set, current);
  await s.refresh();
  sendObject(r.res, 200, answer(s.cache.get(key(namespace, name)) ?? current), warnings);
}

/** GET, PUT or PATCH of a workload's `scale`: its Scale, or the workload scaled. */
async function handleScale(
  r: ApiRequest,
  s: ObjectStore,
  namespace: string,
  name: string,
): Promise<void> {
  const current = s.cache.get(key(namespace, name));
  if (current === undefined) throw new KubeApiError(notFound(s.info.name, name, groupOf(s)));
  const scale = scaleOf(current);
  if (r.method === 'GET') {
    sendObject(r.res, 200, scale);
    return;
  }
  if (r.method !== 'PUT' && r.method !== 'PATCH')
    refuse('MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const raw = await readBody(r.req);
  const body =
    r.method === 'PUT'
      ? decodeObject(raw, r.req.headers['content-type'])
      : patchObject(r.req.headers['content-type'], scale, raw, 'Scale');
  const replicas = wantedReplicas(body);
  if (typeof replicas === 'string')
    throw new KubeApiError(
      invalid(
        'Scale',
        name,
        [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.replicas',
            message: replicas.replace(/^spec\.replicas: /, ''),
          },
        ],
        'autoscaling',
      ),
    );
  const rv = metadataOf(body).resourceVersion;
  const object: Record<string, unknown> = {
    ...current,
    metadata: { ...current.metadata, resourceVersion: typeof rv === 'string' ? rv : undefined },
    spec: { ...((current.spec ?? {}) as Record<string, unknown>), replicas },
  };
  await update(r, s, namespace, name, current, object, (updated) => scaleOf(updated));
}
