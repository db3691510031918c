/**
 * The node's Services, claims and workloads as the API objects kubectl reads (core/v1
 * Service, Endpoints, PersistentVolumeClaim; apps/v1 Deployment, ReplicaSet, StatefulSet,
 * DaemonSet; batch/v1 Job): podkit's defaulted objects turned back into the API's shapes (a
 * PUT of what a GET answered is accepted again), with metadata from the records and status
 * counted from the pods.
 */
import type {
  ClaimRecord,
  LabelSelector,
  PersistentVolumeClaim,
  PodRecord,
  PodTemplateSpec,
  Service,
} from '@podkit/runtime';
import { serviceEndpoints, type ServiceRecord } from '@podkit/runtime/node';
import { statefulSetRevision } from '../workloads/statefulset-objects.js';
import type { WorkloadView } from '../workloads/workload-objects.js';
import type { StatefulSetRecord } from '@podkit/runtime';
import type { ApiObject, ApiObjectMeta } from './objects.js';

/** Drops undefined members and podkit's own `origin` (JSON answers then match omitempty). */
function clean<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (k, v: unknown) => (k === 'origin' ? undefined : v)),
  ) as T;
}

interface Meta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences?: readonly unknown[] | undefined;
}

function objectMeta(m: Meta, uid: string, created: string, generation?: number): ApiObjectMeta {
  const out: ApiObjectMeta & { generation?: number } = {
    name: m.name,
    namespace: m.namespace,
    uid,
    creationTimestamp: created,
  };
  if (generation !== undefined) out.generation = generation;
  if (Object.keys(m.labels).length > 0) out.labels = m.labels;
  if (Object.keys(m.annotations).length > 0) out.annotations = m.annotations;
  if (m.ownerReferences !== undefined && m.ownerReferences.length > 0)
    out.ownerReferences = [...m.ownerReferences];
  return out;
}

function selectorJson(s: LabelSelector): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(s.matchLabels).length > 0) out.matchLabels = s.matchLabels;
  if (s.matchExpressions.length > 0) out.matchExpressions = s.matchExpressions;
  return out;
}

function templateJson(t: PodTemplateSpec): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (Object.keys(t.metadata.labels).length > 0) metadata.labels = t.metadata.labels;
  if (Object.keys(t.metadata.annotations).length > 0) metadata.annotations = t.metadata.annotations;
  return { metadata, spec: t.spec };
}

function claimSpecJson(
  s: PersistentVolumeClaim['spec'],
  volumeName?: string,
): Record<string, unknown> {
  return {
    accessModes: s.accessModes,
    resources: { requests: { storage: s.storage } },
    storageClassName: s.storageClassName,
    volumeMode: 'Filesystem',
    volumeName,
  };
}

/** A Service as `kubectl get svc -o yaml` shows it. */
export function serviceObject(r: ServiceRecord): ApiObject {
  const s: Service = r.service;
  const spec: Record<string, unknown> = {
    type: s.spec.type,
    selector: Object.keys(s.spec.selector).length > 0 ? s.spec.selector : undefined,
    clusterIP: s.spec.clusterIP,
    clusterIPs: s.spec.clusterIP === undefined ? undefined : [s.spec.clusterIP],
    ports: s.spec.ports,
    sessionAffinity: s.spec.sessionAffinity,
    sessionAffinityConfig:
      s.spec.sessionAffinity === 'ClientIP'
        ? { clientIP: { timeoutSeconds: s.spec.sessionAffinityTimeoutSeconds } }
        : undefined,
    publishNotReadyAddresses: s.spec.publishNotReadyAddresses ? true : undefined,
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
    externalTrafficPolicy: s.spec.type === 'NodePort' ? 'Cluster' : undefined,
  };
  return clean({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(s.metadata, r.uid, r.createdAt),
    spec,
    status: { loadBalancer: {} },
  });
}

/** A Service's Endpoints: its pods' addresses, Ready ones apart from the others. */
export function endpointsObject(r: ServiceRecord, pods: readonly PodRecord[]): ApiObject {
  const s = r.service;
  const endpoints = serviceEndpoints(s, pods);
  const address = (e: (typeof endpoints)[number]): Record<string, unknown> => ({
    ip: e.ip,
    hostname: e.hostname,
    targetRef: { kind: 'Pod', namespace: s.metadata.namespace, name: e.podName, uid: e.podUid },
  });
  // One subset per distinct port mapping (the API server's repacking, simplified).
  const subsets = new Map<string, { ready: unknown[]; notReady: unknown[]; ports: unknown[] }>();
  for (const e of endpoints) {
    const ports = s.spec.ports
      .filter((p) => e.ports[p.name ?? ''] !== undefined)
      .map((p) => ({ name: p.name, port: e.ports[p.name ?? ''], protocol: p.protocol }));
    const key = JSON.stringify(ports);
    let subset = subsets.get(key);
    if (subset === undefined) subsets.set(key, (subset = { ready: [], notReady: [], ports }));
    (e.ready ? subset.ready : subset.notReady).push(address(e));
  }
  const meta = objectMeta(s.metadata, r.uid, r.createdAt);
  return clean({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { ...meta, annotations: undefined, uid: `${r.uid.slice(0, -4)}e9e9` },
    subsets:
      subsets.size === 0
        ? undefined
        : [...subsets.values()].map((x) => ({
            addresses: x.ready.length > 0 ? x.ready : undefined,
            notReadyAddresses: x.notReady.length > 0 ? x.notReady : undefined,
            ports: x.ports,
          })),
  });
}

/** A claim, Bound to its directory's volume. */
export function claimObject(r: ClaimRecord): ApiObject {
  const c = r.claim;
  return clean({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: objectMeta(c.metadata, r.uid, r.createdAt),
    spec: claimSpecJson(c.spec, r.volumeName),
    status: {
      phase: 'Bound',
      accessModes: c.spec.accessModes,
      capacity: { storage: c.spec.storage },
    },
  });
}

/** A workload with its status (kubectl's `get`, `rollout status`, `wait` read these fields). */
export function workloadObject(view: WorkloadView): ApiObject {
  const { record, status } = view;
  const o = record.object;
  const generation = record.generation ?? 1;
  const metadata = objectMeta(
    {
      ...o.metadata,
      ownerReferences: o.metadata.ownerReferences?.map((x) => ({ ...x, blockOwnerDeletion: true })),
    },
    record.uid,
    record.createdAt,
    generation,
  );
  const common = { apiVersion: o.apiVersion, kind: o.kind, metadata };
  switch (o.kind) {
    case 'Deployment': {
      const available = status.availableReplicas >= o.spec.replicas - maxUnavailable(o.spec);
      return clean({
        ...common,
        spec: {
          ...o.spec,
          selector: selectorJson(o.spec.selector),
          template: templateJson(o.spec.template),
          progressDeadlineSeconds: 600,
        },
        status: {
          observedGeneration: generation,
          replicas: status.replicas,
          updatedReplicas: status.updatedReplicas,
          readyReplicas: status.readyReplicas,
          availableReplicas: status.availableReplicas,
          unavailableReplicas: Math.max(0, status.replicas - status.availableReplicas) || undefined,
          conditions: [
            condition(
              'Available',
              available,
              available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
              available
                ? 'Deployment has minimum availability.'
                : 'Deployment does not have minimum availability.',
              record.createdAt,
            ),
            condition(
              'Progressing',
              true,
              status.complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
              status.complete
                ? `ReplicaSet has successfully progressed.`
                : `ReplicaSet is progressing.`,
              record.createdAt,
            ),
          ],
        },
      });
    }
    case 'ReplicaSet':
      return clean({
        ...common,
        spec: {
          ...o.spec,
          selector: selectorJson(o.spec.selector),
          template: templateJson(o.spec.template),
        },
        status: {
          observedGeneration: generation,
          replicas: status.replicas,
          fullyLabeledReplicas: status.replicas,
          readyReplicas: status.readyReplicas,
          availableReplicas: status.availableReplicas,
        },
      });
    case 'StatefulSet': {
      const { startOrdinal, volumeClaimTemplates, ...spec } = o.spec;
      const update = statefulSetRevision(record as StatefulSetRecord);
      return clean({
        ...common,
        spec: {
          ...spec,
          selector: selectorJson(o.spec.selector),
          template: templateJson(o.spec.template),
          ordinals: startOrdinal === 0 ? undefined : { start: startOrdinal },
          volumeClaimTemplates:
            volumeClaimTemplates.length === 0
              ? undefined
              : volumeClaimTemplates.map((t) => ({
                  apiVersion: 'v1',
                  kind: 'PersistentVolumeClaim',
                  metadata: {
                    name: t.metadata.name,
                    labels:
                      Object.keys(t.metadata.labels).length > 0 ? t.metadata.labels : undefined,
                    annotations:
                      Object.keys(t.metadata.annotations).length > 0
                        ? t.metadata.annotations
                        : undefined,
                  },
                  spec: claimSpecJson(t.spec),
                })),
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        },
        status: {
          observedGeneration: generation,
          replicas: status.replicas,
          readyReplicas: status.readyReplicas,
          currentReplicas: status.complete
            ? status.replicas
            : status.replicas - status.updatedReplicas,
          updatedReplicas: status.updatedReplicas,
          availableReplicas: status.availableReplicas,
          currentRevision: status.complete ? update : `${o.metadata.name}-previous`,
          updateRevision: update,
          collisionCount: 0,
        },
      });
    }
    case 'DaemonSet':
      return clean({
        ...common,
        spec: {
          ...o.spec,
          selector: selectorJson(o.spec.selector),
          template: templateJson(o.spec.template),
          revisionHistoryLimit: 10,
        },
        status: {
          observedGeneration: generation,
          currentNumberScheduled: status.replicas,
          desiredNumberScheduled: 1,
          numberMisscheduled: 0,
          numberReady: status.readyReplicas,
          numberAvailable: status.availableReplicas,
          numberUnavailable: Math.max(0, 1 - status.availableReplicas) || undefined,
          updatedNumberScheduled: status.updatedReplicas,
        },
      });
    case 'Job': {
      const job = status.job;
      return clean({
        ...common,
        spec: {
          ...o.spec,
          selector: o.spec.selector === undefined ? undefined : selectorJson(o.spec.selector),
          template: templateJson(o.spec.template),
          manualSelector: o.spec.manualSelector ? true : undefined,
          suspend: false,
        },
        status: {
          startTime: job?.startTime,
          completionTime: job?.completionTime,
          active: job === undefined || job.active === 0 ? undefined : job.active,
          succeeded: job === undefined || job.succeeded === 0 ? undefined : job.succeeded,
          failed: job === undefined || job.failed === 0 ? undefined : job.failed,
          ready: status.readyReplicas,
          conditions: job === undefined || job.conditions.length === 0 ? undefined : job.conditions,
        },
      });
    }
  }
}

function maxUnavailable(spec: {
  replicas: number;
  strategy: { type: string; rollingUpdate?: { maxUnavailable: number | string } };
}): number {
  const v = spec.strategy.rollingUpdate?.maxUnavailable;
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  return Math.floor((spec.replicas * Number.parseFloat(v)) / 100);
}

function condition(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  at: string,
): Record<string, string> {
  return {
    type,
    status: ok ? 'True' : 'False',
    lastUpdateTime: at,
    lastTransitionTime: at,
    reason,
    message,
  };
}
