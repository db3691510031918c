import type { Workload } from '@podkit/runtime';
import type { WorkloadItem } from '../agent-access.js';

/** How many pods a workload wants: a Deployment's replicas, a DaemonSet's one (one node). */
export function desiredPods(w: Workload): number {
  if (w.kind === 'Deployment' || w.kind === 'ReplicaSet') return w.spec.replicas;
  if (w.kind === 'Job') return w.spec.parallelism;
  return 1;
}

/** What `up` says a workload is: `3 replicas`, `3 completions, parallelism 2`, `1 pod`. */
export function workloadSize(w: Workload): string {
  if (w.kind === 'Job') {
    const c = w.spec.completions;
    const done =
      c === null ? 'until one succeeds' : `${c} ${c === 1 ? 'completion' : 'completions'}`;
    return `${done}, parallelism ${w.spec.parallelism}${w.spec.completionMode === 'Indexed' ? ', Indexed' : ''}`;
  }
  if (w.kind === 'DaemonSet') return 'one pod on this node';
  const n = w.spec.replicas;
  return `${n} ${n === 1 ? 'replica' : 'replicas'}`;
}

/** kubectl's COMPLETIONS of a Job: `1/3` (a work queue: `1/1 of 2`). */
export function jobCompletions(item: WorkloadItem): string {
  const j = item.status.job;
  if (j === undefined) return '';
  return j.completions === null
    ? `${j.succeeded}/1 of ${String((item.record.object as { spec: { parallelism: number } }).spec.parallelism)}`
    : `${j.succeeded}/${j.completions}`;
}

/** kubectl's STATUS of a Job: Complete, Failed, Running (or Pending before it started). */
export function jobStatusText(item: WorkloadItem): string {
  const j = item.status.job;
  const done = j?.conditions[0];
  if (done !== undefined) return done.type;
  return j?.startTime === undefined ? 'Pending' : 'Running';
}
