/**
 * The StatefulSet controller's decisions for one sync (kube-controller-manager's
 * stateful_set_control.go updateStatefulSet), pure: which ordinals to create, which pods to
 * delete, and why it stops where it stops. The controller carries them out.
 */

/** A pod of the StatefulSet as the plan sees it. */
export interface StatefulPodState {
  name: string;
  ordinal: number;
  /** Its `controller-revision-hash` label. */
  revision: string;
  /** Failed or Succeeded (or released): it is deleted, then made again. */
  ended: boolean;
  /** Being deleted (deletionTimestamp, or a deletion under way). */
  terminating: boolean;
  /** Phase Running and the Ready condition True. */
  runningAndReady: boolean;
  /** Running and Ready for minReadySeconds. */
  available: boolean;
}

export interface StatefulSetPlanInput {
  replicas: number;
  startOrdinal: number;
  podManagementPolicy: 'OrderedReady' | 'Parallel';
  /** undefined: OnDelete. */
  partition: number | undefined;
  updateRevision: string;
  pods: readonly StatefulPodState[];
}

export interface StatefulSetPlan {
  /** Ordinals to create now, in order; `current` when below the partition (the old revision). */
  create: { ordinal: number; revision: 'update' | 'current' }[];
  /** Pods to delete now, with why. */
  delete: { name: string; why: string }[];
  /** What the sync waits for before doing more (for logs and tests); undefined: nothing. */
  waiting: string | undefined;
}

function healthy(p: StatefulPodState): boolean {
  return !p.terminating && p.runningAndReady && p.available;
}

/**
 * One sync of a StatefulSet, in Kubernetes' order:
 * 1. each ordinal of [start, start + replicas) in turn: an ended pod is deleted (it is made
 *    again once gone); a missing one is created; with OrderedReady the walk stops at the first
 *    pod just created, terminating, not Running and Ready, or not yet available — so pod N+1
 *    is created only once 0…N are Ready. Parallel walks every ordinal without waiting;
 * 2. pods outside the range (scaled down) are deleted from the highest ordinal, with
 *    OrderedReady one at a time and only while every other pod is healthy (the first
 *    unhealthy pod itself may go);
 * 3. RollingUpdate: from the highest ordinal down to the partition, the first pod not of the
 *    update revision is deleted (it is made again at the new one), one at a time, waiting for
 *    each to be available again; OnDelete updates nothing (a pod deleted by hand comes back
 *    at the update revision).
 */
export function planStatefulSet(input: StatefulSetPlanInput): StatefulSetPlan {
  const plan: StatefulSetPlan = { create: [], delete: [], waiting: undefined };
  const monotonic = input.podManagementPolicy === 'OrderedReady';
  const start = input.startOrdinal;
  const end = start + input.replicas;
  const slots = new Map<number, StatefulPodState>();
  const condemned: StatefulPodState[] = [];
  for (const p of input.pods) {
    if (p.ordinal >= start && p.ordinal < end) slots.set(p.ordinal, p);
    else condemned.push(p);
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  // The first pod that is not available: in range by ordinal, else the lowest condemned one.
  let firstUnhealthy: StatefulPodState | undefined;
  for (let ord = start; ord < end && firstUnhealthy === undefined; ord++) {
    const p = slots.get(ord);
    if (p !== undefined && !healthy(p)) firstUnhealthy = p;
  }
  for (let i = condemned.length - 1; i >= 0 && firstUnhealthy === undefined; i--) {
    const p = condemned[i];
    if (p !== undefined && !healthy(p)) firstUnhealthy = p;
  }

  const wait = (why: string): StatefulSetPlan => {
    plan.waiting = why;
    return plan;
  };

  for (let ord = start; ord < end; ord++) {
    const p = slots.get(ord);
    if (p === undefined) {
      plan.create.push({
        ordinal: ord,
        revision:
          input.partition !== undefined && ord - start < input.partition ? 'current' : 'update',
      });
      if (monotonic) return wait(`the pod of ordinal ${String(ord)} to be Running and Ready`);
      continue;
    }
    if (p.ended) {
      if (!p.terminating) plan.delete.push({ name: p.name, why: 'it ended; it is made again' });
      if (monotonic) return wait(`${p.name} to be made again`);
      continue;
    }
    if (!monotonic) continue;
    if (p.terminating) return wait(`${p.name} to terminate`);
    if (!p.runningAndReady) return wait(`${p.name} to be Running and Ready`);
    if (!p.available) return wait(`${p.name} to be available (minReadySeconds)`);
  }

  for (const p of condemned) {
    if (p.terminating) {
      if (monotonic) return wait(`${p.name} to terminate before scaling down further`);
      continue;
    }
    if (monotonic && p !== firstUnhealthy && (!p.runningAndReady || !p.available))
      return wait(`${firstUnhealthy?.name ?? p.name} to be Running and Ready before scaling down`);
    plan.delete.push({ name: p.name, why: `scaled down to ${String(input.replicas)}` });
    if (monotonic) return wait(`${p.name} to terminate before scaling down further`);
  }
  // Parallel deletes and creates in one go; updates wait for them.
  if (plan.delete.length > 0 || plan.create.length > 0) return plan;

  if (input.partition === undefined) return plan;
  for (let ord = end - 1; ord >= start + input.partition; ord--) {
    const p = slots.get(ord);
    if (p === undefined) continue;
    if (p.revision !== input.updateRevision && !p.terminating) {
      plan.delete.push({ name: p.name, why: 'rolling update: made again at the new revision' });
      return wait(`${p.name} to be made again at the new revision`);
    }
    if (!healthy(p)) return wait(`${p.name} to be available before updating the next pod`);
  }
  return plan;
}
