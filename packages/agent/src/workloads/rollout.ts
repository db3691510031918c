import type { DeploymentStrategy, IntOrPercent } from '@podkit/runtime';

/** A Deployment's ReplicaSet as its controller sees it. */
export interface ReplicaSetState {
  name: string;
  /** Its pod-template-hash. */
  hash: string;
  /** spec.replicas. */
  replicas: number;
  /** Active pods that are available (Ready for minReadySeconds). */
  available: number;
  /** Every pod it still has, terminating ones included (Recreate waits for none). */
  pods: number;
  createdAt: string;
}

export interface DeploymentState {
  replicas: number;
  strategy: DeploymentStrategy;
  revisionHistoryLimit: number;
  /** The hash of the Deployment's current template. */
  hash: string;
  replicaSets: readonly ReplicaSetState[];
}

/** One step of the Deployment controller: what to write. */
export interface DeploymentPlan {
  /** Create the ReplicaSet of the current template with this many replicas. */
  create?: number | undefined;
  /** New spec.replicas of existing ReplicaSets, by name (only those that change). */
  scale: Map<string, number>;
  /** Old ReplicaSets (no replicas, no pods) beyond revisionHistoryLimit, oldest first. */
  remove: string[];
}

/** intstr.GetScaledValueFromIntOrPercent: a percent of `total`, rounded up or down. */
export function scaled(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const pct = Number.parseInt(v, 10);
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * deploymentutil.ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 (e.g. 25%
 * of 1 replica for maxUnavailable and maxSurge 0) makes maxUnavailable 1, so a rollout can move.
 */
export function fenceposts(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = scaled(maxSurge, replicas, true);
  let unavailable = scaled(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

const byAge = (a: ReplicaSetState, b: ReplicaSetState): number =>
  a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name);

/**
 * One sync of a Deployment, as Kubernetes' deployment controller makes it (rolloutRolling:
 * scale the new ReplicaSet up within maxSurge, and if it did not, scale old ones down within
 * maxUnavailable — unhealthy pods first, then as far as availability allows; rolloutRecreate:
 * old ones to 0, then, once their pods are gone, the new one up), then cleanupDeployment.
 * Pure: the caller writes the plan and calls again on the next change. Scaling a Deployment
 * whose rollout is done is the same step (the new ReplicaSet to `replicas`).
 */
export function planDeployment(d: DeploymentState): DeploymentPlan {
  const plan: DeploymentPlan = { scale: new Map(), remove: [] };
  const current = d.replicaSets.find((r) => r.hash === d.hash);
  const old = d.replicaSets.filter((r) => r !== current).sort(byAge);
  const setReplicas = (rs: ReplicaSetState, n: number): void => {
    if (n !== rs.replicas) plan.scale.set(rs.name, n);
  };
  if (d.strategy.type === 'Recreate') {
    const oldActive = old.filter((r) => r.replicas > 0);
    for (const r of oldActive) setReplicas(r, 0);
    const oldPods = old.some((r) => r.pods > 0);
    if (oldActive.length === 0 && !oldPods) {
      if (current === undefined) plan.create = d.replicas;
      else setReplicas(current, d.replicas);
    }
    cleanup(d, old, plan);
    return plan;
  }
  const { surge, unavailable } = fenceposts(
    d.strategy.rollingUpdate.maxSurge,
    d.strategy.rollingUpdate.maxUnavailable,
    d.replicas,
  );
  const oldReplicas = old.reduce((n, r) => n + r.replicas, 0);
  // reconcileNewReplicaSet
  const newReplicas = current?.replicas ?? 0;
  let target = newReplicas;
  if (newReplicas > d.replicas) target = d.replicas;
  else if (newReplicas < d.replicas) {
    const maxTotal = d.replicas + surge;
    const total = oldReplicas + newReplicas;
    if (total < maxTotal)
      target = newReplicas + Math.min(maxTotal - total, d.replicas - newReplicas);
  }
  if (current === undefined) {
    plan.create = target;
    return plan;
  }
  if (target !== newReplicas) {
    setReplicas(current, target);
    return plan;
  }
  // reconcileOldReplicaSets
  if (oldReplicas > 0) {
    const all = oldReplicas + newReplicas;
    const minAvailable = d.replicas - unavailable;
    const newUnavailable = newReplicas - current.available;
    const maxScaledDown = all - minAvailable - newUnavailable;
    if (maxScaledDown > 0) {
      const after = new Map(old.map((r) => [r.name, r.replicas]));
      // cleanupUnhealthyReplicas: pods of old ReplicaSets that are not available go first.
      let cleaned = 0;
      for (const r of old) {
        if (cleaned >= maxScaledDown) break;
        const unhealthy = r.replicas - r.available;
        if (r.replicas === 0 || unhealthy <= 0) continue;
        const n = Math.min(maxScaledDown - cleaned, unhealthy);
        after.set(r.name, r.replicas - n);
        cleaned += n;
      }
      // scaleDownOldReplicaSetsForRollingUpdate: as far as availability allows.
      const available = old.reduce((n, r) => n + r.available, 0) + current.available;
      let budget = available - minAvailable;
      for (const r of old) {
        if (budget <= 0) break;
        const now = after.get(r.name) ?? 0;
        if (now === 0) continue;
        const n = Math.min(now, budget);
        after.set(r.name, now - n);
        budget -= n;
      }
      for (const r of old) setReplicas(r, after.get(r.name) ?? r.replicas);
    }
  }
  cleanup(d, old, plan);
  return plan;
}

function cleanup(d: DeploymentState, old: readonly ReplicaSetState[], plan: DeploymentPlan): void {
  const idle = old.filter((r) => r.replicas === 0 && r.pods === 0 && !plan.scale.has(r.name));
  const excess = idle.length - d.revisionHistoryLimit;
  for (const r of idle.slice(0, Math.max(0, excess))) plan.remove.push(r.name);
}

/** Whether a Deployment's rollout is done: only the current ReplicaSet has pods, all available. */
export function rolloutComplete(d: DeploymentState): boolean {
  const current = d.replicaSets.find((r) => r.hash === d.hash);
  if (current === undefined) return d.replicas === 0 && d.replicaSets.every((r) => r.pods === 0);
  return (
    current.replicas === d.replicas &&
    current.available >= d.replicas &&
    d.replicaSets.every((r) => r === current || (r.replicas === 0 && r.pods === 0))
  );
}
