import type { JobCondition, JobSpec, JobStatus } from '@podkit/runtime';

/** A pod of a Job as its controller sees it. */
export interface JobPod {
  uid: string;
  name: string;
  createdAt: string;
  /** Active (not ended, not being deleted), terminating, or how it ended. */
  state: 'active' | 'terminating' | 'Succeeded' | 'Failed';
  /** Its completion index (Indexed Jobs). */
  index: number | undefined;
  /** Container restarts in it (OnFailure retries count against backoffLimit). */
  restarts: number;
}

/** The Job controller's delays (kube-controller-manager's: 10 s doubling, at most 6 min). */
export interface JobBackoff {
  baseMs: number;
  capMs: number;
}

export const JOB_BACKOFF: JobBackoff = { baseMs: 10_000, capMs: 6 * 60_000 };

/** One sync's decisions for a Job. */
export interface JobPlan {
  /** The status to keep (the same object when nothing changed). */
  status: JobStatus;
  statusChanged: boolean;
  /** Pods to create: one entry each, its completion index (undefined: NonIndexed). */
  create: (number | undefined)[];
  /** Active pods to delete, with why. */
  delete: { uid: string; why: string }[];
  /** When to look again without a change (back-off over, deadline, TTL). */
  wakeAt: number | undefined;
  /** ttlSecondsAfterFinished passed: the Job goes (its pods with it). */
  remove: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One step of kube-controller-manager's Job controller (syncJob) for one Job, pure: counts
 * pods that ended into the status (kept, so a removed pod stays counted), then decides, in
 * its order: a finished Job only waits for its TTL; failed pods over backoffLimit (or, with
 * OnFailure, as many container restarts) fail it with BackoffLimitExceeded, a start older
 * than activeDeadlineSeconds with DeadlineExceeded (its active pods deleted); enough
 * successes complete it; otherwise it keeps min(parallelism, what remains) pods active,
 * creating after a failure only once the back-off (base·2^(failures since the last success
 * − 1), capped) has passed.
 */
export function planJob(
  spec: JobSpec,
  previous: JobStatus | undefined,
  pods: readonly JobPod[],
  now: number,
  backoff: JobBackoff = JOB_BACKOFF,
): JobPlan {
  const status: JobStatus = structuredClone(previous ?? { conditions: [], counted: {} });
  const plan: JobPlan = {
    status,
    statusChanged: false,
    create: [],
    delete: [],
    wakeAt: undefined,
    remove: false,
  };
  const wake = (at: number): void => {
    if (plan.wakeAt === undefined || at < plan.wakeAt) plan.wakeAt = at;
  };
  for (const p of pods) {
    if ((p.state === 'Succeeded' || p.state === 'Failed') && status.counted[p.uid] === undefined)
      status.counted[p.uid] = {
        phase: p.state,
        ...(p.index === undefined ? {} : { index: p.index }),
        at: iso(now),
      };
  }
  const active = pods.filter((p) => p.state === 'active');
  const finish = (condition: Omit<JobCondition, 'status' | 'lastTransitionTime'>): void => {
    status.conditions.push({ ...condition, status: 'True', lastTransitionTime: iso(now) });
    if (condition.type === 'Complete') status.completionTime = iso(now);
  };
  const done = status.conditions[0];
  if (done === undefined) {
    status.startTime ??= iso(now);
    const counted = Object.values(status.counted);
    const failed = counted.filter((c) => c.phase === 'Failed').length;
    const restarts = active.reduce((n, p) => n + p.restarts, 0);
    const onFailure = spec.template.spec.restartPolicy === 'OnFailure';
    const deadline =
      spec.activeDeadlineSeconds === undefined
        ? undefined
        : Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000;
    const succeededIndexes = new Set(
      counted.filter((c) => c.phase === 'Succeeded' && c.index !== undefined).map((c) => c.index),
    );
    const succeeded =
      spec.completionMode === 'Indexed'
        ? succeededIndexes.size
        : counted.filter((c) => c.phase === 'Succeeded').length;
    if (
      failed > spec.backoffLimit ||
      (onFailure && (spec.backoffLimit === 0 ? restarts > 0 : restarts >= spec.backoffLimit))
    ) {
      finish({
        type: 'Failed',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      });
    } else if (deadline !== undefined && now >= deadline) {
      finish({
        type: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
      });
    } else if (
      spec.completions === null
        ? succeeded > 0 && active.length === 0
        : succeeded >= spec.completions
    ) {
      finish({
        type: 'Complete',
        reason: 'CompletionsReached',
        message: 'Reached expected number of succeeded pods',
      });
    } else {
      if (deadline !== undefined) wake(deadline);
      planPods(spec, status, active, succeeded, succeededIndexes, now, backoff, plan, wake);
    }
  }
  const finished = status.conditions[0];
  if (finished !== undefined) {
    for (const p of active)
      plan.delete.push({
        uid: p.uid,
        why: `the Job ${finished.type === 'Failed' ? `failed (${finished.reason})` : 'is complete'}`,
      });
    if (spec.ttlSecondsAfterFinished !== undefined) {
      const at = Date.parse(finished.lastTransitionTime) + spec.ttlSecondsAfterFinished * 1000;
      if (now >= at) plan.remove = true;
      else wake(at);
    }
  }
  plan.statusChanged = JSON.stringify(status) !== JSON.stringify(previous ?? {});
  return plan;
}

function planPods(
  spec: JobSpec,
  status: JobStatus,
  active: readonly JobPod[],
  succeeded: number,
  succeededIndexes: ReadonlySet<number | undefined>,
  now: number,
  backoff: JobBackoff,
  plan: JobPlan,
  wake: (at: number) => void,
): void {
  let pending: (number | undefined)[];
  if (spec.completionMode === 'Indexed') {
    const running = new Set(active.map((p) => p.index));
    pending = [];
    for (let i = 0; i < (spec.completions ?? 0); i++)
      if (!succeededIndexes.has(i) && !running.has(i)) pending.push(i);
  } else if (spec.completions === null) {
    // A work queue: once one pod succeeded, no new ones; the others finish their work.
    pending = succeeded > 0 ? [] : Array<undefined>(spec.parallelism).fill(undefined);
  } else {
    pending = Array<undefined>(Math.max(0, spec.completions - succeeded)).fill(undefined);
  }
  const wantActive =
    spec.completionMode === 'Indexed'
      ? Math.min(spec.parallelism, active.length + pending.length)
      : Math.min(spec.parallelism, pending.length);
  if (active.length > wantActive) {
    const newest = [...active].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    for (const p of newest.slice(0, active.length - wantActive))
      plan.delete.push({
        uid: p.uid,
        why: `parallelism ${spec.parallelism}: too many active pods`,
      });
    return;
  }
  const missing = wantActive - active.length;
  if (missing === 0) return;
  // The back-off after failures (reset by a success), from the last failure.
  let failures = 0;
  let lastFailure = 0;
  for (const c of Object.values(status.counted).sort((a, b) => a.at.localeCompare(b.at))) {
    if (c.phase === 'Succeeded') failures = 0;
    else {
      failures++;
      lastFailure = Date.parse(c.at);
    }
  }
  if (failures > 0) {
    const delay = Math.min(backoff.baseMs * 2 ** (failures - 1), backoff.capMs);
    if (now < lastFailure + delay) {
      wake(lastFailure + delay);
      return;
    }
  }
  plan.create = pending.slice(0, missing);
}
