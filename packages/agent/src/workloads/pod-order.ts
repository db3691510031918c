import type { PodRecord } from '@podkit/runtime';

/** A pod a controller counts: not ended, not asked to stop (kubectl's "active"). */
export function isActive(r: PodRecord): boolean {
  return (
    !r.released &&
    r.deletionTimestamp === undefined &&
    r.status.phase !== 'Succeeded' &&
    r.status.phase !== 'Failed'
  );
}

/** The pod's Ready condition when it is True: since when (ms since the epoch). */
export function readySince(r: PodRecord): number | undefined {
  const c = r.status.conditions.find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Available as the ReplicaSet controller counts it (podutil.IsPodAvailable): Ready, and for
 * at least `minReadySeconds`.
 */
export function isAvailable(r: PodRecord, minReadySeconds: number, now: number): boolean {
  const since = readySince(r);
  if (since === undefined) return false;
  return minReadySeconds === 0 || since + minReadySeconds * 1000 <= now;
}

/** When a Ready pod becomes available (undefined: not Ready, or already available). */
export function availableAt(
  r: PodRecord,
  minReadySeconds: number,
  now: number,
): number | undefined {
  const since = readySince(r);
  if (since === undefined || minReadySeconds === 0) return undefined;
  const at = since + minReadySeconds * 1000;
  return at > now ? at : undefined;
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(r: PodRecord): number {
  return r.status.containerStatuses.reduce((n, s) => n + s.restartCount, 0);
}

/**
 * The order in which a ReplicaSet scaled down deletes its pods: the first ones go first.
 * Kubernetes' controller.ActivePods order on one node: Pending before Running, not Ready
 * before Ready, Ready for less time before Ready for longer, more restarts before fewer,
 * newer before older.
 */
export function scaleDownOrder(pods: readonly PodRecord[]): PodRecord[] {
  return [...pods].sort((a, b) => {
    const pa = PHASE_RANK[a.status.phase] ?? 1;
    const pb = PHASE_RANK[b.status.phase] ?? 1;
    if (pa !== pb) return pa - pb;
    const ra = readySince(a);
    const rb = readySince(b);
    if ((ra === undefined) !== (rb === undefined)) return ra === undefined ? -1 : 1;
    if (ra !== undefined && rb !== undefined && ra !== rb) return rb - ra;
    const xa = restarts(a);
    const xb = restarts(b);
    if (xa !== xb) return xb - xa;
    if (a.createdAt !== b.createdAt) return b.createdAt.localeCompare(a.createdAt);
    return b.name.localeCompare(a.name);
  });
}
