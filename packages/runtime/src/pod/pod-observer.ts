import { Runc } from '../runc/runc.js';
import { isProcessAlive } from '../state/process-identity.js';
import type { StateLayout } from '../state/state-root.js';
import { nowRfc3339, type ContainerStatus } from './pod-status.js';
import type { PodRecord } from './pod-store.js';

/** A worker that has not announced itself this long after the record was written is lost. */
const WORKER_START_GRACE_MS = 10_000;

/** Why the record no longer tells the truth, or undefined while its worker keeps it current. */
async function lostReason(record: PodRecord, now: number): Promise<string | undefined> {
  if (record.released) return undefined;
  const w = record.worker;
  if (w === undefined) {
    return now - Date.parse(record.createdAt) > WORKER_START_GRACE_MS
      ? 'the pod worker never started'
      : undefined;
  }
  return (await isProcessAlive(w)) ? undefined : `the pod worker (pid ${w.pid}) is gone`;
}

/**
 * The pod as readers (ps, describe, get, logs) must see it. While its worker lives, or after
 * it released the pod, that is the record. When the worker died without releasing the pod
 * (SIGKILL, a crash), nobody updates the record any more, so it is reported as kubelet reports
 * a pod on a node it lost contact with: phase Unknown, reason WorkerLost, Ready False.
 *
 * What happens to the containers: they keep running, unsupervised — no restarts, no probes,
 * their output is lost (the log pipes died with the worker) and their exit status cannot be
 * known. Each container the record shows running is checked with runc: still running → it is
 * shown running (not ready); gone → Terminated, reason ContainerStatusUnknown, exit code 137
 * (kubelet's values for a container whose status was lost). `podkit down` and `podkit gc`
 * remove such a pod and all it holds. Nothing is written: the record on disk stays as the
 * worker last wrote it (atomically), so reading never races a writer.
 */
export async function observePodRecord(
  layout: StateLayout,
  record: PodRecord,
  now: number = Date.now(),
): Promise<PodRecord> {
  const why = await lostReason(record, now);
  if (why === undefined) return record;
  const r = structuredClone(record);
  const st = r.status;
  st.phase = 'Unknown';
  st.reason = 'WorkerLost';
  st.message = `${why}: its containers run unsupervised and their exit status is lost; \`podkit down ${r.name}\` or \`podkit gc\` removes the pod`;
  const at = nowRfc3339(() => now);
  for (const c of st.conditions) {
    if (c.type === 'Ready' || c.type === 'ContainersReady') {
      if (c.status !== 'False') c.lastTransitionTime = at;
      c.status = 'False';
      c.reason = 'WorkerLost';
    }
  }
  const runc = new Runc({ root: layout.runcRoot });
  const check = async (c: ContainerStatus): Promise<void> => {
    c.ready = false;
    if (c.state.running === undefined) return;
    const id = c.containerID?.replace(/^runc:\/\//, '');
    const state = id === undefined ? undefined : await runc.state(id).catch(() => undefined);
    if (state?.status === 'running') return;
    c.started = false;
    c.state = {
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod worker was lost',
        startedAt: c.state.running.startedAt,
        finishedAt: at,
      },
    };
  };
  await Promise.all([...st.initContainerStatuses, ...st.containerStatuses].map(check));
  return r;
}
