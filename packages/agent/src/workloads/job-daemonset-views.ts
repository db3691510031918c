import {
  podStarted,
  type DaemonSetRecord,
  type JobCondition,
  type JobRecord,
  type PodRecord,
} from '@podkit/runtime';
import { daemonSetHash, REVISION_HASH } from './daemonset-controller.js';
import { isActive, isAvailable, readySince } from './pod-order.js';
import type { WorkloadStatus } from './workload-objects.js';
import { podsOf } from './workload-objects.js';

/** A Job's status as kubectl shows it (batch/v1 JobStatus). */
export interface JobStatusView {
  active: number;
  succeeded: number;
  failed: number;
  /** spec.completions (null: a work queue). */
  completions: number | null;
  startTime: string | undefined;
  completionTime: string | undefined;
  conditions: JobCondition[];
}

/**
 * A Job's status: succeeded and failed from what its controller counted, active from its pods
 * (the replica fields count its active pods; `complete` is its Complete condition).
 */
export function jobStatus(job: JobRecord, pods: readonly PodRecord[]): WorkloadStatus {
  const mine = podsOf(job.uid, pods);
  const active = mine.filter(isActive);
  const counted = Object.values(job.status?.counted ?? {});
  const indexed = job.object.spec.completionMode === 'Indexed';
  const succeededList = counted.filter((c) => c.phase === 'Succeeded');
  const ready = active.filter((p) => readySince(p) !== undefined).length;
  const conditions = job.status?.conditions ?? [];
  return {
    replicas: active.length,
    updatedReplicas: active.length,
    updatedStartedReplicas: active.filter(podStarted).length,
    updatedReadyReplicas: ready,
    updatedAvailableReplicas: ready,
    readyReplicas: ready,
    availableReplicas: ready,
    terminatingReplicas: mine.filter((p) => p.deletionTimestamp !== undefined).length,
    complete: conditions.some((c) => c.type === 'Complete'),
    job: {
      active: active.length,
      succeeded: indexed ? new Set(succeededList.map((c) => c.index)).size : succeededList.length,
      failed: counted.filter((c) => c.phase === 'Failed').length,
      completions: job.object.spec.completions,
      startTime: job.status?.startTime,
      completionTime: job.status?.completionTime,
      conditions,
    },
  };
}

/** A DaemonSet's status on its one node (desired 1): `complete` once its pod is current and available. */
export function daemonSetStatus(
  ds: DaemonSetRecord,
  pods: readonly PodRecord[],
  now: number,
): WorkloadStatus {
  const hash = daemonSetHash(ds);
  const min = ds.object.spec.minReadySeconds;
  const mine = podsOf(ds.uid, pods);
  const active = mine.filter(isActive);
  const updated = active.filter((p) => p.pod.metadata.labels[REVISION_HASH] === hash);
  const ready = (list: PodRecord[]) => list.filter((p) => readySince(p) !== undefined).length;
  const available = (list: PodRecord[]) => list.filter((p) => isAvailable(p, min, now)).length;
  return {
    replicas: active.length,
    updatedReplicas: updated.length,
    updatedStartedReplicas: updated.filter(podStarted).length,
    updatedReadyReplicas: ready(updated),
    updatedAvailableReplicas: available(updated),
    readyReplicas: ready(active),
    availableReplicas: available(active),
    terminatingReplicas: mine.length - active.length,
    complete: active.length === 1 && mine.length === 1 && available(updated) === 1,
  };
}
