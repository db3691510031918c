import { appendFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../state/atomic-write.js';
import type { ProcessIdentity } from '../state/process-identity.js';
import type { StateLayout } from '../state/state-root.js';
import type { EnvVar, Pod } from '../spec/types.js';
import type { BackoffPolicy } from './restart-policy.js';
import type { PodEvent, PodStatus } from './pod-status.js';

/**
 * What podkit keeps of a pod: `<state>/pods/<uid>/pod.json`. The CLI writes it before it starts
 * the pod's worker; from then on only the worker writes it (atomically). It never holds secret
 * values: the worker receives those on its stdin.
 */
export interface PodRecord {
  version: 1;
  uid: string;
  name: string;
  namespace: string;
  createdAt: string;
  /** The manifest file the pod came from. */
  source: string;
  pod: Pod;
  /** The process supervising the pod while it runs. */
  worker?: ProcessIdentity | undefined;
  /**
   * Restart bookkeeping of each container (by name) that must outlive the agent: the
   * CrashLoopBackOff delay, when the current attempt started (ms since the epoch), and when a
   * container waiting in back-off is due to start again.
   */
  supervision?: Record<string, ContainerSupervision> | undefined;
  /** The CrashLoopBackOff policy the pod runs under (kubelet's unless a test scaled it). */
  backoff?: BackoffPolicy | undefined;
  /**
   * The variables of the Services of the pod's namespace when it was created
   * (`{SVC}_SERVICE_HOST`…: services/service-env.ts), given to its containers unless
   * spec.enableServiceLinks is false.
   */
  serviceEnv?: EnvVar[] | undefined;
  /**
   * When the pod was asked to stop (`down`, a delete): Kubernetes' metadata.deletionTimestamp.
   * A terminating pod leaves its Services' endpoints at once, while it still runs its grace.
   */
  deletionTimestamp?: string | undefined;
  /**
   * The directories of the PersistentVolumeClaims the pod mounts, by claim name, bound at
   * admission (claims/pod-claims.ts).
   */
  claims?: Record<string, string> | undefined;
  /** Set once the worker finished tearing the pod's resources down (logs and status stay). */
  released: boolean;
  status: PodStatus;
}

/** See PodRecord.supervision. */
export interface ContainerSupervision {
  backoffMs: number;
  lastStartedAt: number;
  nextStartAt?: number | undefined;
}

export function podRecordPath(layout: StateLayout, uid: string): string {
  return path.join(layout.podDir(uid), 'pod.json');
}

export function podEventsPath(layout: StateLayout, uid: string): string {
  return path.join(layout.podDir(uid), 'events.jsonl');
}

/** Container log file of a pod (CRI format), like /var/log/pods/<ns>_<name>_<uid>/<c>/0.log. */
export function containerLogPath(layout: StateLayout, uid: string, container: string): string {
  return path.join(layout.podDir(uid), 'logs', `${container}.log`);
}

export async function writePodRecord(layout: StateLayout, record: PodRecord): Promise<void> {
  // Atomic but not fsynced: the worker rewrites the status at every change. An agent killed
  // leaves the write in the page cache; after a machine crash, adoption reconciles the record
  // with what runs (container-lifecycle.ts resumeAttempt).
  await writeJsonAtomic(podRecordPath(layout, record.uid), record, 0o600, { durable: false });
}

export async function readPodRecord(
  layout: StateLayout,
  uid: string,
): Promise<PodRecord | undefined> {
  return (await readJsonFile(podRecordPath(layout, uid))) as PodRecord | undefined;
}

/**
 * Every pod record under the state root (unreadable ones are left to gc).
 */
export async function listPodRecords(layout: StateLayout): Promise<PodRecord[]> {
  let uids: string[];
  try {
    uids = await readdir(layout.podsDir);
  } catch {
    return [];
  }
  const out: PodRecord[] = [];
  for (const uid of uids.sort()) {
    try {
      const rec = await readPodRecord(layout, uid);
      if (rec !== undefined) out.push(rec);
    } catch {
      // a corrupt record: gc removes it
    }
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
}

/** The pod named `name` in `namespace`, if there is one. */
export async function findPodRecord(
  layout: StateLayout,
  name: string,
  namespace = 'default',
): Promise<PodRecord | undefined> {
  return (await listPodRecords(layout)).find((r) => r.name === name && r.namespace === namespace);
}

/** True once every container of the pod has started at least once (or the pod ended). */
export function podStarted(record: PodRecord): boolean {
  const st = record.status;
  if (record.released || st.phase === 'Succeeded' || st.phase === 'Failed') return true;
  const want = record.pod.spec.containers.length;
  return (
    st.containerStatuses.length === want &&
    st.containerStatuses.every(
      (c) =>
        c.state.running !== undefined || c.state.terminated !== undefined || c.restartCount > 0,
    )
  );
}

export async function appendPodEvent(
  layout: StateLayout,
  uid: string,
  event: PodEvent,
): Promise<void> {
  await appendFile(podEventsPath(layout, uid), `${JSON.stringify(event)}\n`, { mode: 0o600 });
}

export async function readPodEvents(layout: StateLayout, uid: string): Promise<PodEvent[]> {
  let text: string;
  try {
    text = await readFile(podEventsPath(layout, uid), 'utf8');
  } catch {
    return [];
  }
  const out: PodEvent[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as PodEvent);
    } catch {
      // a torn last line after a crash
    }
  }
  return out;
}
