import {
  podStarted,
  type DaemonSetRecord,
  type DeploymentRecord,
  type JobRecord,
  type OwnerReference,
  type Pod,
  type PodRecord,
  type ReplicaSet,
  type ReplicaSetRecord,
  type WorkloadRecord,
} from '@podkit/runtime';
import { daemonSetStatus, jobStatus, type JobStatusView } from './job-daemonset-views.js';
import { POD_TEMPLATE_HASH, podTemplateHash } from './names.js';
import { availableAt, isActive, isAvailable, readySince } from './pod-order.js';
import { rolloutComplete, type DeploymentState, type ReplicaSetState } from './rollout.js';

/** The annotation Kubernetes numbers a Deployment's ReplicaSets with (its rollout history). */
export const REVISION = 'deployment.kubernetes.io/revision';

/** The managing owner of an object (ownerReferences[].controller). */
export function controllerOf(meta: {
  ownerReferences?: OwnerReference[] | undefined;
}): OwnerReference | undefined {
  return meta.ownerReferences?.find((o) => o.controller);
}

function ownerRef(kind: 'Deployment' | 'ReplicaSet', name: string, uid: string): OwnerReference {
  return { apiVersion: 'apps/v1', kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** The ReplicaSet a Deployment runs its template with (named `<deployment>-<hash>`). */
export function replicaSetFor(
  d: DeploymentRecord,
  hash: string,
  replicas: number,
  revision: number,
): ReplicaSet {
  const { metadata, spec, origin } = d.object;
  const labels = { ...spec.template.metadata.labels, [POD_TEMPLATE_HASH]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${metadata.name}-${hash}`,
      namespace: metadata.namespace,
      labels,
      annotations: { [REVISION]: String(revision) },
      ownerReferences: [ownerRef('Deployment', metadata.name, d.uid)],
    },
    spec: {
      replicas,
      minReadySeconds: spec.minReadySeconds,
      selector: {
        matchLabels: { ...spec.selector.matchLabels, [POD_TEMPLATE_HASH]: hash },
        matchExpressions: spec.selector.matchExpressions,
      },
      template: { metadata: { ...spec.template.metadata, labels }, spec: spec.template.spec },
    },
    origin,
  };
}

/** A pod of a ReplicaSet: its template, the name given, owned by it. */
export function podFor(rs: ReplicaSetRecord, name: string): Pod {
  const { metadata, spec, origin } = rs.object;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: metadata.namespace,
      labels: { ...spec.template.metadata.labels },
      annotations: { ...spec.template.metadata.annotations },
      ownerReferences: [ownerRef('ReplicaSet', metadata.name, rs.uid)],
    },
    spec: spec.template.spec,
    origin: { ...origin, kind: 'ReplicaSet' },
  };
}

/** The pods whose managing owner is `uid`. */
export function podsOf(uid: string, pods: readonly PodRecord[]): PodRecord[] {
  return pods.filter((p) => controllerOf(p.pod.metadata)?.uid === uid);
}

/** The ReplicaSets whose managing owner is the Deployment `uid`. */
export function replicaSetsOf(
  uid: string,
  workloads: readonly WorkloadRecord[],
): ReplicaSetRecord[] {
  return workloads.filter(
    (w): w is ReplicaSetRecord =>
      w.kind === 'ReplicaSet' && controllerOf(w.object.metadata)?.uid === uid,
  );
}

/** The hash of a Deployment's current template. */
export function deploymentHash(d: DeploymentRecord): string {
  return podTemplateHash(d.object.spec.template);
}

/**
 * A Deployment with its ReplicaSets' counts, as planDeployment takes it. Pods in `deleting`
 * (asked to go, their record may not say so yet) are not available, but still count as pods:
 * Recreate waits until they are gone.
 */
export function deploymentState(
  d: DeploymentRecord,
  workloads: readonly WorkloadRecord[],
  pods: readonly PodRecord[],
  now: number,
  deleting: ReadonlySet<string> = new Set(),
): DeploymentState {
  const { spec } = d.object;
  return {
    replicas: spec.replicas,
    strategy: spec.strategy,
    revisionHistoryLimit: spec.revisionHistoryLimit,
    hash: deploymentHash(d),
    replicaSets: replicaSetsOf(d.uid, workloads).map((rs): ReplicaSetState => {
      const mine = podsOf(rs.uid, pods);
      return {
        name: rs.object.metadata.name,
        hash: rs.object.metadata.labels[POD_TEMPLATE_HASH] ?? '',
        replicas: rs.object.spec.replicas,
        available: mine.filter(
          (p) =>
            !deleting.has(p.uid) &&
            isActive(p) &&
            isAvailable(p, rs.object.spec.minReadySeconds, now),
        ).length,
        pods: mine.length,
        createdAt: rs.createdAt,
      };
    }),
  };
}

/** What `podkit` shows of a workload (kubectl's status fields, counted from the pods). */
export interface WorkloadStatus {
  /** Pods it has that are not terminating. */
  replicas: number;
  /** Of those, the ones of the current template (a ReplicaSet's are all current). */
  updatedReplicas: number;
  /** Current ones whose containers all started. */
  updatedStartedReplicas: number;
  /** Current ones that are Ready, and available (Ready for minReadySeconds). */
  updatedReadyReplicas: number;
  updatedAvailableReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  /** Pods being stopped. */
  terminatingReplicas: number;
  /**
   * Whether the rollout is done (a ReplicaSet: replicas == spec.replicas, all available; a
   * DaemonSet: its one pod current and available; a Job: its Complete condition).
   */
  complete: boolean;
  /** A Job's counts and conditions. */
  job?: JobStatusView | undefined;
}

/** One workload with its status. */
export interface WorkloadView {
  record: WorkloadRecord;
  status: WorkloadStatus;
}

/**
 * Every workload with its status counted from the pods (a Deployment through its
 * ReplicaSets). Pure.
 */
export function workloadViews(
  workloads: readonly WorkloadRecord[],
  pods: readonly PodRecord[],
  now: number,
): WorkloadView[] {
  return workloads.map((record) => {
    if (record.kind === 'Job') return { record, status: jobStatus(record as JobRecord, pods) };
    if (record.kind === 'DaemonSet')
      return { record, status: daemonSetStatus(record as DaemonSetRecord, pods, now) };
    if (record.kind === 'ReplicaSet') {
      const rs = record as ReplicaSetRecord;
      const mine = podsOf(rs.uid, pods);
      const active = mine.filter(isActive);
      const min = rs.object.spec.minReadySeconds;
      const ready = active.filter((p) => readySince(p) !== undefined).length;
      const available = active.filter((p) => isAvailable(p, min, now)).length;
      return {
        record,
        status: {
          replicas: active.length,
          updatedReplicas: active.length,
          updatedStartedReplicas: active.filter(podStarted).length,
          updatedReadyReplicas: ready,
          updatedAvailableReplicas: available,
          readyReplicas: ready,
          availableReplicas: available,
          terminatingReplicas: mine.length - active.length,
          complete:
            active.length === rs.object.spec.replicas &&
            mine.length === active.length &&
            available === active.length,
        },
      };
    }
    const d = record as DeploymentRecord;
    const state = deploymentState(d, workloads, pods, now);
    const min = d.object.spec.minReadySeconds;
    let replicas = 0;
    let all = 0;
    let ready = 0;
    let available = 0;
    const updated: PodRecord[] = [];
    for (const rs of replicaSetsOf(d.uid, workloads)) {
      const mine = podsOf(rs.uid, pods);
      const active = mine.filter(isActive);
      all += mine.length;
      replicas += active.length;
      ready += active.filter((p) => readySince(p) !== undefined).length;
      available += active.filter((p) => isAvailable(p, min, now)).length;
      if (rs.object.metadata.labels[POD_TEMPLATE_HASH] === state.hash) updated.push(...active);
    }
    return {
      record,
      status: {
        replicas,
        updatedReplicas: updated.length,
        updatedStartedReplicas: updated.filter(podStarted).length,
        updatedReadyReplicas: updated.filter((p) => readySince(p) !== undefined).length,
        updatedAvailableReplicas: updated.filter((p) => isAvailable(p, min, now)).length,
        readyReplicas: ready,
        availableReplicas: available,
        terminatingReplicas: all - replicas,
        complete: rolloutComplete(state) && updated.length === d.object.spec.replicas,
      },
    };
  });
}

/** The earliest time a Ready pod of these workloads becomes available (a wake-up for the loop). */
export function nextAvailability(
  workloads: readonly WorkloadRecord[],
  pods: readonly PodRecord[],
  now: number,
): number | undefined {
  let next: number | undefined;
  for (const w of workloads) {
    if (w.kind !== 'ReplicaSet') continue;
    const min = (w as ReplicaSetRecord).object.spec.minReadySeconds;
    for (const p of podsOf(w.uid, pods)) {
      const at = isActive(p) ? availableAt(p, min, now) : undefined;
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
  }
  return next;
}
