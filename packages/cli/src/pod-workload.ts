import type { OwnerReference, PodRecord, WorkloadRecord } from '@podkit/runtime';

// `podkit ps` groups pods by the workload they belong to, as `docker compose ps` groups a
// project's containers and k9s shows a pod's owner: a Deployment's pods are owned by its
// ReplicaSets, so the workload is found through the ReplicaSet's own owner.

const controllerOf = (refs: readonly OwnerReference[] | undefined): OwnerReference | undefined =>
  refs?.find((r) => r.controller);

/**
 * The workload a pod belongs to, as kubectl names it (`deployment/web`, `statefulset/db`,
 * `job/work`, `daemonset/agent`, `replicaset/rs` for a ReplicaSet of its own); undefined for
 * a bare pod. `workloads` are the node's workload records (a ReplicaSet's owner is there).
 */
export function workloadOf(
  record: PodRecord,
  workloads: readonly WorkloadRecord[],
): string | undefined {
  const owner = controllerOf(record.pod.metadata.ownerReferences);
  if (owner === undefined) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const rs = workloads.find(
      (w) =>
        w.kind === 'ReplicaSet' &&
        w.object.metadata.namespace === record.namespace &&
        w.object.metadata.name === owner.name,
    );
    const top = controllerOf(rs?.object.metadata.ownerReferences);
    if (top !== undefined) return `${top.kind.toLowerCase()}/${top.name}`;
  }
  return `${owner.kind.toLowerCase()}/${owner.name}`;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Pods in `ps` order: each workload's pods together (workloads by namespace, then
 * `kind/name`), by name within it (`db-2` before `db-10`); bare pods after, by namespace and
 * name.
 */
export function inWorkloadOrder<
  T extends { name: string; namespace: string; workload: string | undefined },
>(pods: readonly T[]): T[] {
  return [...pods].sort(
    (a, b) =>
      Number(a.workload === undefined) - Number(b.workload === undefined) ||
      byName(a.namespace, b.namespace) ||
      byName(a.workload ?? '', b.workload ?? '') ||
      byName(a.name, b.name),
  );
}
