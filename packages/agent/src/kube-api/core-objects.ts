/**
 * `namespaces` and `events` (get, list): read-only views of what the node runs. (ConfigMaps,
 * Secrets and the other stored objects go through object-handler.ts.)
 */
import { sendObject } from './http.js';
import { META_FIELDS, metaFields, type ApiObject } from './objects.js';
import { includeObjectOf, isWatch, listFilter, type ApiRequest } from './request.js';
import { KubeApiError, notFound, refuse } from './status.js';
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

export function handleNamespaces(r: ApiRequest): void {
  if (r.method !== 'GET')
    refuse(
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource (namespaces are read-only in podkit)',
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
