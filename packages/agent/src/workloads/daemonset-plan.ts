import type { DaemonSetUpdateStrategy, IntOrPercent } from '@podkit/runtime';

/** A pod of a DaemonSet as its controller sees it. */
export interface DaemonPod {
  uid: string;
  createdAt: string;
  /** Its template's hash (controller-revision-hash): current or old. */
  current: boolean;
  state: 'active' | 'terminating' | 'ended';
  /** Ready for minReadySeconds. */
  available: boolean;
}

export interface DaemonSetPlan {
  create: boolean;
  delete: { uid: string; why: string }[];
}

/** A rolling update's count on one node (DaemonSets round percentages up). */
function onOneNode(v: IntOrPercent): number {
  return typeof v === 'number' ? Math.min(v, 1) : Math.ceil(Number.parseInt(v, 10) / 100);
}

/**
 * One step of kube-controller-manager's DaemonSet controller on a machine that is its only
 * node, pure. Ended pods are deleted (and replaced); exactly one active pod is kept, the
 * oldest when there are more; a new one is created only once no pod is left terminating (it
 * may need the old one's host port). When the template changed: OnDelete leaves the old pod
 * until someone deletes it; RollingUpdate with maxUnavailable (the default, 1) deletes the
 * old pod, then creates the new one; with maxSurge it creates the new one first and deletes
 * the old one once the new one is available. An old pod that is not available goes at once.
 */
export function planDaemonSet(
  strategy: DaemonSetUpdateStrategy,
  pods: readonly DaemonPod[],
): DaemonSetPlan {
  const plan: DaemonSetPlan = { create: false, delete: [] };
  for (const p of pods)
    if (p.state === 'ended')
      plan.delete.push({ uid: p.uid, why: 'it ended (a daemon pod runs always)' });
  const active = pods
    .filter((p) => p.state === 'active')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const terminating = pods.some((p) => p.state === 'terminating');
  const current = active.filter((p) => p.current);
  const old = active.filter((p) => !p.current);
  if (active.length === 0) {
    plan.create = !terminating;
    return plan;
  }
  if (strategy.type === 'OnDelete' || old.length === 0) {
    // One pod per node: the oldest stays (a current one before an old one when rolling).
    const keep = strategy.type === 'OnDelete' ? active[0] : (current[0] ?? active[0]);
    for (const p of active)
      if (p !== keep) plan.delete.push({ uid: p.uid, why: 'one daemon pod per node' });
    return plan;
  }
  const maxSurge = onOneNode(strategy.rollingUpdate.maxSurge);
  for (const p of old) {
    const replacementReady = current.some((c) => c.available);
    if (!p.available || replacementReady || (maxSurge === 0 && current.length === 0))
      plan.delete.push({ uid: p.uid, why: 'rolling update: its template is out of date' });
  }
  for (const p of current.slice(1))
    plan.delete.push({ uid: p.uid, why: 'one daemon pod per node' });
  if (current.length === 0 && maxSurge > 0) plan.create = true;
  return plan;
}
