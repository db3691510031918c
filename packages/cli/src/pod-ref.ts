import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode, type PodRecord, type WorkloadRecord } from '@podkit/runtime';
import type { AgentClient } from '@podkit/agent/client';
import { getPod, listPods, listWorkloads } from './agent-access.js';

/**
 * `TYPE/NAME` as kubectl's `logs` and `exec` take it: a pod by name (`NAME`, `pod/NAME`), or
 * one pod of a workload (`deploy/NAME`, `sts/NAME`, `rs/NAME`, `ds/NAME`, `job/NAME`) — a
 * Deployment's pods are its ReplicaSets' — so a README can name a Deployment's pod without
 * knowing its generated name.
 */
const KINDS: Readonly<Record<string, WorkloadRecord['kind'] | 'Pod'>> = {
  po: 'Pod',
  pod: 'Pod',
  pods: 'Pod',
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  rs: 'ReplicaSet',
  replicaset: 'ReplicaSet',
  replicasets: 'ReplicaSet',
  sts: 'StatefulSet',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  ds: 'DaemonSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  job: 'Job',
  jobs: 'Job',
};

/** A parsed reference: a pod's name, or a workload's kind and name. */
export type PodRef = { kind: 'Pod'; name: string } | { kind: WorkloadRecord['kind']; name: string };

/** Parses `NAME` or `TYPE/NAME` (kubectl's short and long type names, case-insensitive). */
export function parsePodRef(text: string): PodRef {
  const slash = text.indexOf('/');
  if (slash === -1) return { kind: 'Pod', name: text };
  const type = text.slice(0, slash).toLowerCase();
  const name = text.slice(slash + 1);
  const kind = KINDS[type];
  if (kind === undefined || name === '' || name.includes('/'))
    throw new PodkitError(
      RuntimeErrorCode.POD_NOT_FOUND,
      `${text}: not a pod name or TYPE/NAME (TYPE: pod, deploy, rs, sts, ds, job)`,
      { hint: 'e.g. deploy/web, or the pod name `podkit ps` shows' },
    );
  return { kind, name };
}

function controllerOf(meta: {
  ownerReferences?: { kind: string; name: string; controller?: boolean | undefined }[] | undefined;
}): { kind: string; name: string } | undefined {
  return meta.ownerReferences?.find((o) => o.controller === true);
}

function ready(p: PodRecord): boolean {
  return p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * The pods of workload `ref` in `namespace`, in the order kubectl prefers one for logs and
 * exec: running and not terminating first, Ready before not Ready, then the oldest.
 */
export function podsOfWorkload(
  ref: { kind: WorkloadRecord['kind']; name: string },
  namespace: string,
  pods: readonly PodRecord[],
  workloads: readonly WorkloadRecord[],
): PodRecord[] {
  // The owners whose pods count: the workload itself, and a Deployment's ReplicaSets.
  const owners = new Set([`${ref.kind}/${ref.name}`]);
  if (ref.kind === 'Deployment')
    for (const w of workloads) {
      const o = controllerOf(w.object.metadata);
      if (
        w.kind === 'ReplicaSet' &&
        w.object.metadata.namespace === namespace &&
        o?.kind === 'Deployment' &&
        o.name === ref.name
      )
        owners.add(`ReplicaSet/${w.object.metadata.name}`);
    }
  const rank = (p: PodRecord): number =>
    (p.released || p.deletionTimestamp !== undefined ? 2 : 0) + (ready(p) ? 0 : 1);
  return pods
    .filter((p) => {
      const o = controllerOf(p.pod.metadata);
      return p.namespace === namespace && o !== undefined && owners.has(`${o.kind}/${o.name}`);
    })
    .sort((a, b) => rank(a) - rank(b) || a.createdAt.localeCompare(b.createdAt));
}

/**
 * The pod `text` names (`NAME` or `TYPE/NAME`) in `namespace`. For a workload with several
 * pods, `onChoice` hears which one was taken (kubectl: "Found 3 pods, using pod/…").
 */
export async function resolvePod(
  client: AgentClient,
  namespace: string,
  text: string,
  onChoice?: (message: string) => void,
): Promise<PodRecord> {
  const ref = parsePodRef(text);
  if (ref.kind === 'Pod') return getPod(client, namespace, ref.name);
  const [pods, workloads] = await Promise.all([listPods(client), listWorkloads(client)]);
  const records = workloads.map((w) => w.record);
  if (
    !records.some(
      (w) =>
        w.kind === ref.kind &&
        w.object.metadata.name === ref.name &&
        w.object.metadata.namespace === namespace,
    )
  )
    throw new PodkitError(
      RuntimeErrorCode.WORKLOAD_NOT_FOUND,
      `${ref.kind.toLowerCase()}/${ref.name} not found in namespace ${namespace}`,
    );
  const found = podsOfWorkload(ref, namespace, pods, records);
  const first = found[0];
  if (first === undefined)
    throw new PodkitError(
      RuntimeErrorCode.POD_NOT_FOUND,
      `${ref.kind.toLowerCase()}/${ref.name} has no pod`,
      { hint: '`podkit ps` shows the pods' },
    );
  if (found.length > 1) onChoice?.(`Found ${found.length} pods, using pod/${first.name}\n`);
  return first;
}
