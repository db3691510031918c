import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { RuntimeErrorCode, workloadError } from '../errors.js';
import { nowRfc3339 } from '../pod/pod-status.js';
import { readJsonFile, writeJsonAtomic } from '../state/atomic-write.js';
import { checkPathSegment, type StateLayout } from '../state/state-root.js';
import type { DaemonSet } from '../spec/daemonset.js';
import type { Job } from '../spec/job.js';
import type { Deployment, LabelSelector, ReplicaSet, StatefulSet } from '../spec/types.js';
import { canonicalText } from './canonical-text.js';
import { checkJobUpdate } from './job-update.js';
import type { JobStatus } from './job-status.js';
import { statefulSetUpdateProblem } from './statefulset-update.js';

/** The kinds the agent's controllers run. */
export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'Job' | 'DaemonSet';
export type Workload = Deployment | ReplicaSet | StatefulSet | Job | DaemonSet;

/** Whether `kind` names a kind the agent's controllers run. */
export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(DIRS, kind);
}

/**
 * A Deployment or ReplicaSet as the node keeps it:
 * `<root>/workloads/<deployments|replicasets>/<namespace>/<name>.json`. Its status is not
 * kept: it is counted from the pods whenever it is asked for. A ReplicaSet a Deployment made
 * has `object.metadata.ownerReferences` naming that Deployment's uid.
 */
export interface WorkloadRecord<W extends Workload = Workload> {
  version: 1;
  kind: W['kind'];
  /** Kubernetes' metadata.uid: what owner references of dependents name. */
  uid: string;
  createdAt: string;
  /** The manifest file it came from (a Deployment's ReplicaSets: the Deployment's). */
  source: string;
  object: W;
  /** A Job's status (the controller's counts and conditions); the others' is counted from pods. */
  status?: JobStatus | undefined;
  /**
   * metadata.generation: 1 when created, one more at each apply that changed the spec (the
   * Kubernetes API's; `kubectl rollout status` waits for the status to have observed it).
   * Absent in records written before it was kept: 1.
   */
  generation?: number | undefined;
}

export type JobRecord = WorkloadRecord<Job>;
export type DaemonSetRecord = WorkloadRecord<DaemonSet>;
export type DeploymentRecord = WorkloadRecord<Deployment>;
export type ReplicaSetRecord = WorkloadRecord<ReplicaSet>;
export type StatefulSetRecord = WorkloadRecord<StatefulSet>;

const DIRS: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  StatefulSet: 'statefulsets',
  Job: 'jobs',
  DaemonSet: 'daemonsets',
};

function workloadsDir(layout: StateLayout): string {
  return path.join(layout.root, 'workloads');
}

function recordFile(
  layout: StateLayout,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): string {
  return path.join(
    workloadsDir(layout),
    DIRS[kind],
    checkPathSegment(namespace, 'namespace'),
    `${checkPathSegment(name, `${kind} name`)}.json`,
  );
}

/** Every workload of the state root, kind by kind (as DIRS lists them), by namespace then name. */
export async function listWorkloadRecords(layout: StateLayout): Promise<WorkloadRecord[]> {
  const out: WorkloadRecord[] = [];
  for (const kind of Object.keys(DIRS) as WorkloadKind[]) {
    const dir = path.join(workloadsDir(layout), DIRS[kind]);
    const namespaces = await readdir(dir).catch(() => [] as string[]);
    for (const ns of namespaces.sort()) {
      const files = await readdir(path.join(dir, ns)).catch(() => [] as string[]);
      for (const f of files.sort()) {
        if (!f.endsWith('.json')) continue;
        const value = (await readJsonFile(path.join(dir, ns, f)).catch(() => undefined)) as
          WorkloadRecord | undefined;
        if (value?.version === 1 && value.kind === kind) out.push(value);
      }
    }
  }
  return out;
}

/** Writes one record as it is (the controllers' writes: a new ReplicaSet, a scale). */
export async function writeWorkloadRecord(
  layout: StateLayout,
  record: WorkloadRecord,
): Promise<void> {
  const { namespace, name } = record.object.metadata;
  const file = recordFile(layout, record.kind, namespace, name);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(file, record, 0o600);
}

/**
 * Creates or updates the workloads of one file (callers hold the state root's lock). An
 * existing one keeps its uid and creation time and takes the new spec (a changed Deployment
 * template is a rollout for its controller); its selector cannot change (apps/v1), and a
 * ReplicaSet a Deployment owns cannot be replaced by a file's. Every object is checked before
 * any is written: a file's workloads are applied whole or not at all.
 */
export async function applyWorkloadRecords(
  layout: StateLayout,
  objects: readonly Workload[],
  /** The records' source; undefined: each object's own file (`origin.file`). */
  source: string | undefined,
): Promise<WorkloadRecord[]> {
  const existing = await listWorkloadRecords(layout);
  const out: WorkloadRecord[] = [];
  for (const o of objects) {
    const { namespace, name } = o.metadata;
    const where = `${o.kind} ${namespace}/${name} (${o.origin.file}:${o.origin.line})`;
    const old = existing.find(
      (r) =>
        r.kind === o.kind &&
        r.object.metadata.namespace === namespace &&
        r.object.metadata.name === name,
    );
    if (old !== undefined) {
      const owner = old.object.metadata.ownerReferences?.find((x) => x.controller);
      if (owner !== undefined)
        throw workloadError(
          RuntimeErrorCode.WORKLOAD_INVALID,
          `${where}: the name is taken by a ReplicaSet of ${owner.kind} ${owner.name}`,
          { hint: `rename it, or change the ${owner.kind} instead` },
        );
      if (!sameSelector(old.object.spec.selector, o.spec.selector))
        throw workloadError(
          RuntimeErrorCode.WORKLOAD_INVALID,
          `${where}: spec.selector is immutable (it is ${JSON.stringify(old.object.spec.selector)})`,
          { hint: `remove the ${o.kind} first (podkit down -f FILE), or keep its selector` },
        );
      const problem =
        o.kind === 'StatefulSet'
          ? statefulSetUpdateProblem(old.object as StatefulSet, o)
          : undefined;
      if (problem !== undefined)
        throw workloadError(RuntimeErrorCode.WORKLOAD_INVALID, `${where}: ${problem}`, {
          hint: 'remove the StatefulSet first (podkit down -f FILE; its claims stay), or change only replicas, template, updateStrategy, minReadySeconds or ordinals',
        });
    }
    if (old !== undefined && o.kind === 'Job') checkJobUpdate(where, old.object as Job, o);
    const record: WorkloadRecord = {
      version: 1 as const,
      kind: o.kind,
      // The global Web Crypto: node:crypto is not loaded with the CLI's start (see atomic-write).
      uid: old?.uid ?? globalThis.crypto.randomUUID(),
      createdAt: old?.createdAt ?? nowRfc3339(),
      source: source ?? o.origin.file,
      object: o,
      ...(old?.status !== undefined ? { status: old.status } : {}),
      generation:
        old === undefined
          ? 1
          : (old.generation ?? 1) + (specText(old.object) === specText(o) ? 0 : 1),
    };
    out.push(record);
  }
  for (const r of out) await writeWorkloadRecord(layout, r);
  return out;
}

/** A workload's spec as canonical text (what a generation counts changes of). */
function specText(w: Workload): string {
  return canonicalText(w.spec);
}

function sameSelector(a: LabelSelector | undefined, b: LabelSelector | undefined): boolean {
  // A Job's generated selector (no `selector` in its spec) stays the same.
  const canon = (s: LabelSelector | undefined): string =>
    s === undefined
      ? ''
      : JSON.stringify([Object.entries(s.matchLabels).sort(), s.matchExpressions]);
  return canon(a) === canon(b);
}

/** Removes a workload's record; false when there was none. */
export async function removeWorkloadRecord(
  layout: StateLayout,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<boolean> {
  const file = recordFile(layout, kind, namespace, name);
  const had = (await readJsonFile(file).catch(() => undefined)) !== undefined;
  await rm(file, { force: true });
  return had;
}
