/**
 * `namespaces` and `events` (get, list): read-only views of what the node runs. (ConfigMaps,
 * Secrets and the other stored objects go through object-handler.ts.)
 */
import { checkTypeMeta, metadataOf } from './admission.js';
import { BUILTIN_NAMESPACES } from './api-state.js';
import { patchObject } from './patch/index.js';
import { decodeObject, readBody, sendObject } from './http.js';
import { META_FIELDS, metaFields, type ApiObject } from './objects.js';
import { includeObjectOf, isWatch, listFilter, type ApiRequest } from './request.js';
import { alreadyExists, KubeApiError, notFound, refuse } from './status.js';
import {
  eventTable,
  namespaceTable,
  wantsTable,
  type IncludeObject,
  type Table,
} from './tables.js';

type Tabler = (
  items: readonly ApiObject[],
  now: number,
  include: IncludeObject,
  rv: string,
) => Table;

function answerList(
  r: ApiRequest,
  kind: string,
  items: ApiObject[],
  rv: string,
  tabler: Tabler,
): void {
  if (isWatch(r.query)) refuse('MethodNotAllowed', `watch of ${r.resource} is not served yet`);
  const sorted = [...items].sort(
    (a, b) =>
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  if (wantsTable(r.req.headers.accept))
    sendObject(r.res, 200, tabler(sorted, Date.now(), includeObjectOf(r.query), rv));
  else
    sendObject(r.res, 200, {
      kind: `${kind}List`,
      apiVersion: 'v1',
      metadata: { resourceVersion: rv },
      items: sorted,
    });
}

function answerOne(r: ApiRequest, object: ApiObject | undefined, tabler: Tabler): void {
  if (object === undefined) throw new KubeApiError(notFound(r.resource, r.name ?? ''));
  if (wantsTable(r.req.headers.accept))
    sendObject(
      r.res,
      200,
      tabler([object], Date.now(), includeObjectOf(r.query), object.metadata.resourceVersion ?? ''),
    );
  else sendObject(r.res, 200, object);
}

export async function handleNamespaces(r: ApiRequest): Promise<void> {
  if (r.method === 'POST' && r.name === undefined) {
    await createNamespace(r);
    return;
  }
  if (r.method === 'DELETE' && r.name !== undefined && r.subresource === undefined) {
    await deleteNamespace(r, r.name);
    return;
  }
  if (
    (r.method === 'PATCH' || r.method === 'PUT') &&
    r.name !== undefined &&
    r.subresource === undefined
  ) {
    await updateNamespace(r, r.name);
    return;
  }
  if (r.method !== 'GET')
    refuse(
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource (a namespace is created or deleted; podkit changes none in place)',
    );
  const all = r.state.namespaces();
  const rv = String(r.state.clock.current);
  if (r.name === undefined) {
    const filter = listFilter(
      { ...r, namespace: undefined },
      (o) => ({ 'metadata.name': o.metadata.name, 'status.phase': 'Active' }),
      ['metadata.name', 'status.phase'],
      'Namespace',
    );
    answerList(r, 'Namespace', all.filter(filter), rv, namespaceTable);
    return;
  }
  answerOne(
    r,
    all.find((n) => n.metadata.name === r.name),
    namespaceTable,
  );
}

async function createNamespace(r: ApiRequest): Promise<void> {
  const body = decodeObject(await readBody(r.req), r.req.headers['content-type']);
  checkTypeMeta(body, 'Namespace', 'v1');
  const meta = metadataOf(body);
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name === '')
    refuse(
      'Invalid',
      'Namespace "" is invalid: metadata.name: Required value: name or generateName is required',
      {
        kind: 'Namespace',
        causes: [
          {
            reason: 'FieldValueRequired',
            field: 'metadata.name',
            message: 'Required value: name or generateName is required',
          },
        ],
      },
    );
  if (r.state.namespaces().some((n) => n.metadata.name === name))
    throw new KubeApiError(alreadyExists('namespaces', name));
  const created = r.state.createdNamespaces;
  if (created === undefined) throw new Error('the API state has no namespace store');
  await created.put(name, {
    at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...namespaceMeta(meta),
  });
  const made = r.state.namespaces().find((n) => n.metadata.name === name);
  sendObject(r.res, 201, made);
}

/** The labels and annotations of a namespace's metadata (strings only; the name label aside). */
function namespaceMeta(meta: Record<string, unknown>): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const strings = (v: unknown, field: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(typeof v === 'object' && v !== null ? v : {})) {
      if (typeof x !== 'string')
        refuse(
          'BadRequest',
          `metadata.${field}.${k}: a string is expected, got ${JSON.stringify(x)}`,
        );
      if (k !== 'kubernetes.io/metadata.name') out[k] = x;
    }
    return out;
  };
  return {
    labels: strings(meta.labels, 'labels'),
    annotations: strings(meta.annotations, 'annotations'),
  };
}

/** A namespace's labels and annotations changed (what a second `kubectl apply` sends). */
async function updateNamespace(r: ApiRequest, name: string): Promise<void> {
  const found = r.state.namespaces().find((n) => n.metadata.name === name);
  if (found === undefined) throw new KubeApiError(notFound('namespaces', name));
  const raw = await readBody(r.req);
  const next =
    r.method === 'PUT'
      ? decodeObject(raw, r.req.headers['content-type'])
      : patchObject(r.req.headers['content-type'], found, raw, 'Namespace', {
          fieldManager: r.query.get('fieldManager') ?? undefined,
          force: r.query.has('force') ? r.query.get('force') === 'true' : undefined,
        });
  const meta = metadataOf(next);
  await r.state.createdNamespaces?.put(name, {
    at: found.metadata.creationTimestamp ?? '',
    ...namespaceMeta(meta),
  });
  sendObject(
    r.res,
    200,
    r.state.namespaces().find((n) => n.metadata.name === name),
  );
}

async function deleteNamespace(r: ApiRequest, name: string): Promise<void> {
  const found = r.state.namespaces().find((n) => n.metadata.name === name);
  if (found === undefined) throw new KubeApiError(notFound('namespaces', name));
  if (BUILTIN_NAMESPACES.includes(name))
    refuse('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      name,
      kind: 'namespaces',
    });
  if (r.state.namespacesInUse().has(name))
    refuse(
      'Conflict',
      `namespaces "${name}": podkit does not delete a namespace's objects with it: delete them first (kubectl delete all,cm,secrets,pvc --all -n ${name}), then the namespace`,
      { name, kind: 'namespaces' },
    );
  await r.state.createdNamespaces?.remove(name);
  sendObject(r.res, 200, found);
}

export async function handleEvents(r: ApiRequest): Promise<void> {
  if (r.method !== 'GET')
    refuse(
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource (events are read-only)',
    );
  const events = await r.state.events(r.namespace);
  const fields = (o: ApiObject): Record<string, string> => {
    const inv = (o.involvedObject ?? {}) as Record<string, string | undefined>;
    return {
      ...metaFields(o),
      'involvedObject.kind': inv.kind ?? '',
      'involvedObject.name': inv.name ?? '',
      'involvedObject.namespace': inv.namespace ?? '',
      'involvedObject.uid': inv.uid ?? '',
      'involvedObject.fieldPath': inv.fieldPath ?? '',
      reason: typeof o.reason === 'string' ? o.reason : '',
      type: typeof o.type === 'string' ? o.type : '',
      source: 'kubelet',
    };
  };
  const filter = listFilter(
    r,
    fields,
    [
      ...META_FIELDS,
      'involvedObject.kind',
      'involvedObject.name',
      'involvedObject.namespace',
      'involvedObject.uid',
      'involvedObject.fieldPath',
      'reason',
      'type',
      'source',
    ],
    'Event',
  );
  if (r.name === undefined) {
    answerList(r, 'Event', events.filter(filter), String(r.state.clock.current), eventTable);
    return;
  }
  answerOne(
    r,
    events.find((e) => e.metadata.name === r.name),
    eventTable,
  );
}
