import {
  podStarted,
  type OwnerReference,
  type PersistentVolumeClaim,
  type Pod,
  type PodRecord,
  type PodTemplateSpec,
  type StatefulSetRecord,
  type Volume,
} from '@podkit/runtime';
import { podTemplateHash } from './names.js';
import { isActive, isAvailable, readySince } from './pod-order.js';
import type { StatefulPodState } from './statefulset-plan.js';
import { podsOf, type WorkloadStatus } from './workload-objects.js';

/** The labels Kubernetes puts on a StatefulSet's pods. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

/** The revision of a StatefulSet's template: `<name>-<hash>` (its ControllerRevision's name). */
export function statefulSetRevision(s: StatefulSetRecord, template?: PodTemplateSpec): string {
  return `${s.object.metadata.name}-${podTemplateHash(template ?? s.object.spec.template)}`;
}

/** The ordinal of a pod named `<set>-<n>`, or undefined (not one of the set's names). */
export function ordinalOf(setName: string, podName: string): number | undefined {
  const prefix = `${setName}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const rest = podName.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** The claims of one pod: `<template>-<set>-<ordinal>` (getPersistentVolumeClaims). */
export function claimsFor(s: StatefulSetRecord, ordinal: number): PersistentVolumeClaim[] {
  const { metadata, spec, origin } = s.object;
  return spec.volumeClaimTemplates.map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: `${t.metadata.name}-${metadata.name}-${String(ordinal)}`,
      namespace: metadata.namespace,
      // The template's labels and the set's selector labels, as Kubernetes gives them.
      labels: { ...t.metadata.labels, ...spec.selector.matchLabels },
      annotations: { ...t.metadata.annotations },
    },
    spec: t.spec,
    origin: { ...origin, kind: 'StatefulSet' },
  }));
}

/**
 * The pod of one ordinal (newStatefulSetPod): named `<set>-<ordinal>`, its hostname that name
 * and its subdomain the set's serviceName (so the cluster DNS answers
 * `<set>-<n>.<service>.<ns>.svc.cluster.local` once that headless Service exists), labelled
 * with its name, index and revision, owned by the set, each claim template mounted as its
 * claim (in place of a template volume of the same name). `template`: the revision's.
 */
export function statefulPodFor(
  s: StatefulSetRecord,
  ordinal: number,
  template: PodTemplateSpec,
  revision: string,
): Pod {
  const { metadata, spec, origin } = s.object;
  const name = `${metadata.name}-${String(ordinal)}`;
  const claimVolumes: Volume[] = spec.volumeClaimTemplates.map((t) => ({
    name: t.metadata.name,
    persistentVolumeClaim: {
      claimName: `${t.metadata.name}-${metadata.name}-${String(ordinal)}`,
      readOnly: false,
    },
  }));
  const claimed = new Set(claimVolumes.map((v) => v.name));
  const owner: OwnerReference = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    name: metadata.name,
    uid: s.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  const podSpec: Pod['spec'] = {
    ...template.spec,
    volumes: [...claimVolumes, ...template.spec.volumes.filter((v) => !claimed.has(v.name))],
    hostname: name,
  };
  if (spec.serviceName !== undefined) podSpec.subdomain = spec.serviceName;
  else delete podSpec.subdomain;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: metadata.namespace,
      labels: {
        ...template.metadata.labels,
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [REVISION_LABEL]: revision,
      },
      annotations: { ...template.metadata.annotations },
      ownerReferences: [owner],
    },
    spec: podSpec,
    origin: { ...origin, kind: 'StatefulSet' },
  };
}

/**
 * The template a pod was made from, read back from the pod (what the previous revision's
 * pods below a partition are made again with: podkit keeps no ControllerRevisions).
 */
export function templateOfPod(p: PodRecord, s: StatefulSetRecord): PodTemplateSpec {
  const own = new Set([POD_NAME_LABEL, POD_INDEX_LABEL, REVISION_LABEL]);
  const claimed = new Set(s.object.spec.volumeClaimTemplates.map((t) => t.metadata.name));
  const spec: Pod['spec'] = {
    ...p.pod.spec,
    volumes: p.pod.spec.volumes.filter((v) => !claimed.has(v.name)),
  };
  delete spec.hostname;
  delete spec.subdomain;
  return {
    metadata: {
      labels: Object.fromEntries(
        Object.entries(p.pod.metadata.labels).filter(([k]) => !own.has(k)),
      ),
      annotations: { ...p.pod.metadata.annotations },
    },
    spec,
  };
}

/** The pods of a StatefulSet with an ordinal, by ordinal. */
export function statefulPodsOf(
  s: StatefulSetRecord,
  pods: readonly PodRecord[],
): { ordinal: number; record: PodRecord }[] {
  const out: { ordinal: number; record: PodRecord }[] = [];
  for (const record of podsOf(s.uid, pods)) {
    const ordinal = ordinalOf(s.object.metadata.name, record.name);
    if (ordinal !== undefined) out.push({ ordinal, record });
  }
  return out.sort((a, b) => a.ordinal - b.ordinal);
}

/** A pod as planStatefulSet sees it. */
export function podState(
  ordinal: number,
  r: PodRecord,
  minReadySeconds: number,
  now: number,
  deleting: ReadonlySet<string>,
): StatefulPodState {
  const ended = r.released || r.status.phase === 'Succeeded' || r.status.phase === 'Failed';
  const runningAndReady = r.status.phase === 'Running' && readySince(r) !== undefined;
  return {
    name: r.name,
    ordinal,
    revision: r.pod.metadata.labels[REVISION_LABEL] ?? '',
    ended,
    terminating: deleting.has(r.uid) || r.deletionTimestamp !== undefined,
    runningAndReady,
    available: runningAndReady && isAvailable(r, minReadySeconds, now),
  };
}

/**
 * A StatefulSet's status counted from its pods. "Updated" counts the pods where the update
 * strategy wants them: at the update revision from the partition up (RollingUpdate), at any
 * revision below it or with OnDelete. `complete`: every ordinal has such a pod, available,
 * and no pod is outside the range.
 */
export function statefulSetStatus(
  s: StatefulSetRecord,
  pods: readonly PodRecord[],
  now: number,
): WorkloadStatus {
  const { spec } = s.object;
  const update = statefulSetRevision(s);
  const partition =
    spec.updateStrategy.type === 'RollingUpdate'
      ? spec.updateStrategy.rollingUpdate.partition
      : undefined;
  const mine = podsOf(s.uid, pods);
  const active = mine.filter(isActive);
  const min = spec.minReadySeconds;
  const inRange = (p: PodRecord): boolean => {
    const o = ordinalOf(s.object.metadata.name, p.name);
    return o !== undefined && o >= spec.startOrdinal && o < spec.startOrdinal + spec.replicas;
  };
  const updated = active.filter((p) => {
    if (!inRange(p)) return false;
    const o = ordinalOf(s.object.metadata.name, p.name) ?? 0;
    if (partition === undefined || o - spec.startOrdinal < partition) return true;
    return p.pod.metadata.labels[REVISION_LABEL] === update;
  });
  const ready = active.filter((p) => readySince(p) !== undefined).length;
  const available = active.filter((p) => isAvailable(p, min, now)).length;
  const updatedAvailable = updated.filter((p) => isAvailable(p, min, now)).length;
  return {
    replicas: active.length,
    updatedReplicas: updated.length,
    updatedStartedReplicas: updated.filter(podStarted).length,
    updatedReadyReplicas: updated.filter((p) => readySince(p) !== undefined).length,
    updatedAvailableReplicas: updatedAvailable,
    readyReplicas: ready,
    availableReplicas: available,
    terminatingReplicas: mine.length - active.length,
    complete:
      updated.length === spec.replicas &&
      updatedAvailable === spec.replicas &&
      mine.length === spec.replicas,
  };
}
