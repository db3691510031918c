/**
 * podkit's records as core/v1 objects (the JSON `kubectl get -o yaml` prints), and the fields
 * each resource indexes for field selectors.
 */
import { createHash } from 'node:crypto';
import { toKubernetesPod, type PodRecord } from '@podkit/runtime';
import type { PodEvent } from '@podkit/runtime';
import type { ConfigMap, Secret } from '@podkit/runtime/spec';

export interface ApiObjectMeta {
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  deletionGracePeriodSeconds?: number | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  ownerReferences?: unknown[] | undefined;
}

export interface ApiObject {
  apiVersion: string;
  kind: string;
  metadata: ApiObjectMeta;
  [field: string]: unknown;
}

export interface ApiPod extends ApiObject {
  kind: 'Pod';
  spec: { nodeName?: string; containers: { name: string }[]; [f: string]: unknown };
  status: {
    phase: string;
    reason?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ApiContainerStatus[];
    initContainerStatuses?: ApiContainerStatus[];
    [f: string]: unknown;
  };
}

export interface ApiContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: {
    waiting?: { reason?: string };
    running?: { startedAt?: string };
    terminated?: { reason?: string; exitCode: number; signal?: number };
  };
  lastState?: { terminated?: { finishedAt?: string } };
}

/** The pod record as a Pod object: toKubernetesPod plus what the API carries besides. */
export function podObject(record: PodRecord, nodeName: string): ApiPod {
  const pod = toKubernetesPod(record, nodeName) as unknown as ApiPod;
  const owners = record.pod.metadata.ownerReferences;
  if (owners !== undefined && owners.length > 0)
    pod.metadata.ownerReferences = owners.map((o) => ({ ...o, blockOwnerDeletion: true }));
  if (record.deletionTimestamp !== undefined) {
    pod.metadata.deletionTimestamp = record.deletionTimestamp;
    pod.metadata.deletionGracePeriodSeconds = record.pod.spec.terminationGracePeriodSeconds;
  }
  if (Object.keys(pod.metadata.labels ?? {}).length === 0) delete pod.metadata.labels;
  if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
  return pod;
}

/** The fields of a pod the API server indexes for `fieldSelector` (kubectl uses these). */
export const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'status.phase',
  'status.podIP',
  'status.nominatedNodeName',
] as const;

export function podFields(pod: ApiPod): Record<string, string> {
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace ?? '',
    'spec.nodeName': s(pod.spec.nodeName),
    'spec.restartPolicy': s(pod.spec.restartPolicy),
    'spec.schedulerName': s(pod.spec.schedulerName) || 'default-scheduler',
    'spec.serviceAccountName': s(pod.spec.serviceAccountName),
    'status.phase': pod.status.phase,
    'status.podIP': s(pod.status.podIP),
    'status.nominatedNodeName': '',
  };
}

/** Fields every namespaced object indexes. */
export const META_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

export function metaFields(o: ApiObject): Record<string, string> {
  return { 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace ?? '' };
}

/** A stable uid for an object podkit keeps no uid of (namespaces, ConfigMaps, Secrets). */
export function derivedUid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function meta(m: ConfigMap['metadata'], kind: string, created: string): ApiObjectMeta {
  const out: ApiObjectMeta = {
    name: m.name,
    namespace: m.namespace,
    uid: derivedUid(kind, m.namespace, m.name, created),
    creationTimestamp: created,
  };
  if (Object.keys(m.labels).length > 0) out.labels = m.labels;
  if (Object.keys(m.annotations).length > 0) out.annotations = m.annotations;
  return out;
}

export function configMapObject(c: ConfigMap, created: string): ApiObject {
  const o: ApiObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(c.metadata, 'ConfigMap', created),
  };
  if (Object.keys(c.data).length > 0) o.data = c.data;
  if (Object.keys(c.binaryData).length > 0)
    o.binaryData = Object.fromEntries(
      Object.entries(c.binaryData).map(([k, v]) => [k, v.toString('base64')]),
    );
  if (c.immutable) o.immutable = true;
  return o;
}

export function secretObject(s: Secret, created: string): ApiObject {
  const o: ApiObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(s.metadata, 'Secret', created),
    type: s.type,
  };
  if (Object.keys(s.data).length > 0)
    o.data = Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, v.toString('base64')]));
  if (s.immutable) o.immutable = true;
  return o;
}

export function namespaceObject(
  name: string,
  kept: { at: string; labels: Record<string, string>; annotations: Record<string, string> },
): ApiObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: derivedUid('Namespace', name),
      creationTimestamp: kept.at,
      labels: { ...kept.labels, 'kubernetes.io/metadata.name': name },
      ...(Object.keys(kept.annotations).length > 0 ? { annotations: kept.annotations } : {}),
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** One of a pod's events as a core/v1 Event (`kubectl get events`, `describe`). */
export function eventObject(
  record: PodRecord,
  e: PodEvent,
  index: number,
  host: string,
): ApiObject {
  // metav1.Time: seconds, as the API server serialises it.
  const time = new Date(e.time).toISOString().replace(/\.\d+Z$/, 'Z');
  const id = createHash('sha256')
    .update(`${record.uid}\0${String(index)}\0${e.time}`)
    .digest('hex')
    .slice(0, 16);
  const involved: Record<string, string> = {
    kind: 'Pod',
    namespace: record.namespace,
    name: record.name,
    uid: record.uid,
    apiVersion: 'v1',
  };
  if (e.object !== '') involved.fieldPath = e.object;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${record.name}.${id}`,
      namespace: record.namespace,
      uid: derivedUid('Event', record.uid, String(index)),
      creationTimestamp: time,
    },
    involvedObject: involved,
    reason: e.reason,
    message: e.message,
    source: { component: 'kubelet', host },
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
    type: e.type,
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: host,
  };
}
