/**
 * `pods`: get, list (JSON or Table), watch, create, update (labels and annotations only),
 * delete. Pods are the runtime's records:
 * a create admits and starts the pod through NodeRuntime (as `podkit up`), a delete stops it
 * with its grace period in the background and answers at once, the pod showing its
 * deletionTimestamp until it is gone (kubectl then waits for the DELETED event).
 */
import { PodkitError } from '@podkit/kit';
import { canonicalText, RuntimeErrorCode } from '@podkit/runtime';
import type { NodeRuntime } from '@podkit/runtime/node';
import { admit, checkUpdate, fieldValidationOf, metadataOf } from './admission.js';
import { decodeObject, readBody, sendObject } from './http.js';
import { applyObject, patchContentType, patchObject } from './patch/index.js';
import { servePodLog } from './pod-log.js';
import { POD_FIELDS, podFields, type ApiPod } from './objects.js';
import { includeObjectOf, isWatch, listFilter, watchSeconds, type ApiRequest } from './request.js';
import { alreadyExists, failure, invalid, KubeApiError, notFound, refuse } from './status.js';
import { podTable, wantsTable } from './tables.js';
import { serveWatch } from './watch.js';

export type PodRuntime = Pick<
  NodeRuntime,
  'find' | 'createOwnedPod' | 'remove' | 'stop' | 'logs' | 'updatePodMetadata'
>;

export async function handlePods(r: ApiRequest, rt: PodRuntime): Promise<void> {
  const { method, name, namespace, query: q } = r;
  const table = wantsTable(r.req.headers.accept);
  const include = includeObjectOf(q);
  if (name === undefined) {
    if (method === 'GET') {
      const matches = listFilter<ApiPod>(r, podFields, POD_FIELDS, 'Pod');
      if (isWatch(q)) {
        serveWatch(r.req, r.res, r.state.pods, {
          resourceVersion: q.get('resourceVersion'),
          timeoutSeconds: watchSeconds(q),
          matches,
          encode: (_t, pod, first) => {
            if (!table) return pod;
            const t = podTable([pod], Date.now(), include, pod.metadata.resourceVersion ?? '');
            return first ? t : { ...t, columnDefinitions: [] };
          },
        });
        return;
      }
      const { items, resourceVersion } = r.state.pods.list();
      const pods = items.filter(matches).sort(byNamespaceName);
      if (table) sendObject(r.res, 200, podTable(pods, Date.now(), include, resourceVersion));
      else
        sendObject(r.res, 200, {
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion },
          items: pods,
        });
      return;
    }
    if (method === 'POST' && namespace !== undefined) {
      await createPod(r, rt, namespace);
      return;
    }
    refuse('MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
  if (namespace === undefined)
    refuse('NotFound', 'the server could not find the requested resource');
  const current = (): ApiPod => {
    const pod = findPod(r, namespace, name);
    if (pod === undefined) throw new KubeApiError(notFound('pods', name));
    return pod;
  };
  if (
    method === 'PATCH' &&
    patchContentType(r.req.headers['content-type']) === 'application/apply-patch+yaml'
  ) {
    // Server-side apply: a pod that is not there yet is created.
    const live = findPod(r, namespace, name);
    const applied = applyObject(live, await readBody(r.req), 'Pod', {
      fieldManager: r.query.get('fieldManager') ?? undefined,
      force: r.query.has('force') ? r.query.get('force') === 'true' : undefined,
    });
    if (applied.created || live === undefined) await createPod(r, rt, namespace, applied.object);
    else await updatePod(r, rt, live, applied.object);
    return;
  }
  if (method === 'GET' && (r.subresource === undefined || r.subresource === 'status')) {
    const pod = current();
    if (table)
      sendObject(
        r.res,
        200,
        podTable([pod], Date.now(), include, pod.metadata.resourceVersion ?? ''),
      );
    else sendObject(r.res, 200, pod);
    return;
  }
  if (r.subresource === 'log' && method === 'GET') {
    await servePodLog(r, rt, namespace, name);
    return;
  }
  if (
    (r.subresource === 'exec' || r.subresource === 'attach' || r.subresource === 'portforward') &&
    (method === 'GET' || method === 'POST')
  )
    // The API server's answer to a streaming request that did not ask for an upgrade.
    refuse('BadRequest', 'Upgrade request required');
  if (r.subresource !== undefined)
    refuse(
      'NotFound',
      `the server could not find the requested resource (${r.subresource} is not served yet)`,
    );
  if (method === 'DELETE') {
    await deletePod(r, rt, current());
    return;
  }
  if (method === 'PATCH' || method === 'PUT') {
    const pod = current();
    const raw = await readBody(r.req);
    const body =
      method === 'PUT'
        ? decodeObject(raw, r.req.headers['content-type'])
        : patchObject(r.req.headers['content-type'], pod, raw, 'Pod', {
            fieldManager: r.query.get('fieldManager') ?? undefined,
            force: r.query.has('force') ? r.query.get('force') === 'true' : undefined,
          });
    await updatePod(r, rt, pod, body);
    return;
  }
  refuse('MethodNotAllowed', `the server does not allow this method on the requested resource`);
}

function byNamespaceName(a: ApiPod, b: ApiPod): number {
  return (
    (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

function findPod(r: ApiRequest, namespace: string, name: string): ApiPod | undefined {
  return r.state.pods
    .list()
    .items.find((p) => p.metadata.namespace === namespace && p.metadata.name === name);
}

async function createPod(
  r: ApiRequest,
  rt: PodRuntime,
  namespace: string,
  given?: Record<string, unknown>,
): Promise<void> {
  const body = given ?? decodeObject(await readBody(r.req), r.req.headers['content-type']);
  const { set, name, warnings } = admit(body, 'Pod', namespace, fieldValidationOf(r.query));
  const [pod] = set.pods;
  if (pod === undefined || set.pods.length !== 1) refuse('BadRequest', 'the body is not one Pod');
  if ((await rt.find(namespace, name)) !== undefined)
    throw new KubeApiError(alreadyExists('pods', name));
  if (r.query.get('dryRun') === 'All') {
    refuse('BadRequest', 'dryRun is not supported by podkit yet');
  }
  let record;
  try {
    record = await rt.createOwnedPod(pod);
  } catch (err) {
    if (err instanceof PodkitError && err.code === RuntimeErrorCode.POD_ADMISSION_FAILED)
      throw new KubeApiError(
        failure('Forbidden', `pods "${name}" is forbidden: ${err.message}`, { name, kind: 'pods' }),
        { cause: err },
      );
    throw err;
  }
  // The runtime announced the new record before answering: the cache has it, with its version.
  const created = r.state.pods.get(record.uid);
  if (created === undefined)
    throw new Error(`pod ${namespace}/${name} was created but not announced`);
  sendObject(r.res, 201, created, warnings);
}

async function deletePod(r: ApiRequest, rt: PodRuntime, pod: ApiPod): Promise<void> {
  const raw = await readBody(r.req);
  const options = raw.length === 0 ? {} : decodeObject(raw, r.req.headers['content-type']);
  const graceText =
    r.query.get('gracePeriodSeconds') ??
    (typeof options.gracePeriodSeconds === 'number' ? String(options.gracePeriodSeconds) : null);
  const grace = graceText === null ? undefined : Number(graceText);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
    refuse('BadRequest', `gracePeriodSeconds must be a whole number ≥ 0, not ${String(graceText)}`);
  const { namespace = 'default', name } = pod.metadata;
  const force = grace === 0;
  // The removal runs on: the answer is the pod as it is now, terminating.
  void rt
    .remove(namespace, name, {
      force,
      timeoutMs: grace === undefined || grace === 0 ? undefined : grace * 1000 + 30_000,
    })
    .catch((err: unknown) => {
      if (err instanceof PodkitError && err.code === RuntimeErrorCode.POD_NOT_FOUND) return;
      r.log(
        `kube-api: deleting pod ${namespace}/${name}: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const answered: ApiPod =
    pod.metadata.deletionTimestamp === undefined
      ? {
          ...pod,
          metadata: {
            ...pod.metadata,
            deletionTimestamp: now,
            deletionGracePeriodSeconds:
              grace ?? (pod.spec.terminationGracePeriodSeconds as number | undefined) ?? 30,
          },
        }
      : pod;
  sendObject(r.res, 200, answered);
}

/**
 * A PUT or PATCH of a pod. As the API server, a pod's labels and annotations change in place
 * (NodeRuntime.updatePodMetadata: the containers run on untouched) and its spec does not: an
 * update whose admitted spec differs from the running one is refused (422), one that changes
 * nothing is answered with the pod as it is (what `kubectl apply` of an unchanged manifest
 * sends: its patch, computed against the live object, restates defaults). The labels were
 * validated by admission, the spec reader `podkit up` uses.
 */
async function updatePod(
  r: ApiRequest,
  rt: PodRuntime,
  pod: ApiPod,
  body: Record<string, unknown>,
): Promise<void> {
  const { namespace = 'default', name } = pod.metadata;
  const meta = metadataOf(body);
  checkUpdate(meta, name, pod.metadata.resourceVersion, 'pods');
  const record = await rt.find(namespace, name);
  if (record === undefined) throw new KubeApiError(notFound('pods', name));
  const spec = { ...((body.spec ?? {}) as Record<string, unknown>) };
  delete spec.nodeName;
  const { set, warnings } = admit(
    { ...body, spec, status: undefined, metadata: { ...meta, name } },
    'Pod',
    namespace,
    fieldValidationOf(r.query),
  );
  const next = set.pods[0];
  if (next === undefined) refuse('BadRequest', 'the body is not one Pod');
  const same = (a: unknown, b: unknown): boolean => canonicalText(a) === canonicalText(b);
  if (!same(next.spec, record.pod.spec))
    throw new KubeApiError(
      invalid('Pod', name, [
        {
          reason: 'FieldValueForbidden',
          field: 'spec',
          message: `Forbidden: podkit does not change a running pod in place (spec changed): delete the pod and create it again, or run it from a Deployment, whose pods an edit replaces`,
        },
      ]),
    );
  const { labels, annotations } = next.metadata;
  if (
    same(labels, record.pod.metadata.labels) &&
    same(annotations, record.pod.metadata.annotations)
  ) {
    sendObject(r.res, 200, pod, warnings);
    return;
  }
  if (r.query.get('dryRun') === 'All')
    refuse('BadRequest', 'dryRun is not supported by podkit yet');
  let updated;
  try {
    updated = await rt.updatePodMetadata(namespace, name, { labels, annotations });
  } catch (err) {
    if (err instanceof PodkitError && err.code === RuntimeErrorCode.POD_NOT_FOUND)
      throw new KubeApiError(notFound('pods', name), { cause: err });
    if (err instanceof PodkitError && err.code === RuntimeErrorCode.POD_RELEASED)
      throw new KubeApiError(
        invalid('Pod', name, [
          {
            reason: 'FieldValueForbidden',
            field: same(labels, record.pod.metadata.labels)
              ? 'metadata.annotations'
              : 'metadata.labels',
            message: `Forbidden: ${err.message}`,
          },
        ]),
        { cause: err },
      );
    throw err;
  }
  // The runtime announced the change before answering: the cache has it, with a new version.
  const answered = r.state.pods.get(updated.uid);
  if (answered === undefined)
    throw new Error(`pod ${namespace}/${name} was updated but not announced`);
  sendObject(r.res, 200, answered, warnings);
}
