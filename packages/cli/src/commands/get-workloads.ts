import { stringify } from 'yaml';
import type { JobSpec } from '@podkit/runtime';
import type { WorkloadItem } from '../agent-access.js';
import { UsageError } from '../errors.js';
import { humanAge } from '../pod-view.js';
import { renderTable } from '../table.js';
import { jobCompletions, jobStatusText } from './workload-text.js';

/** The workload kinds `podkit get` lists, by the names kubectl takes for them. */
export const WORKLOAD_RESOURCES: Readonly<Record<string, 'Job' | 'DaemonSet'>> = {
  job: 'Job',
  jobs: 'Job',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
};

/** `kubectl get jobs`: NAME STATUS COMPLETIONS DURATION AGE. */
export function renderJobs(items: readonly WorkloadItem[], now: number): string {
  const rows = items.map((i) => {
    const j = i.status.job;
    const start = j?.startTime === undefined ? undefined : Date.parse(j.startTime);
    const end = j?.completionTime === undefined ? now : Date.parse(j.completionTime);
    return [
      i.record.object.metadata.name,
      jobStatusText(i),
      jobCompletions(i),
      start === undefined ? '' : humanAge(end - start),
      humanAge(now - Date.parse(i.record.createdAt)),
    ];
  });
  return renderTable(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], rows);
}

/** `kubectl get daemonsets` on one node: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE AGE. */
export function renderDaemonSets(items: readonly WorkloadItem[], now: number): string {
  const rows = items.map((i) => {
    const s = i.status;
    return [
      i.record.object.metadata.name,
      '1',
      String(s.replicas),
      String(s.readyReplicas),
      String(s.updatedReplicas),
      String(s.availableReplicas),
      humanAge(now - Date.parse(i.record.createdAt)),
    ];
  });
  return renderTable(
    ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    rows,
  );
}

/** A workload as a Kubernetes object with its status (what `kubectl get job NAME -o yaml` shows). */
export function kubernetesObject(item: WorkloadItem): Record<string, unknown> {
  const { record } = item;
  const o = record.object;
  const metadata = {
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    uid: record.uid,
    creationTimestamp: record.createdAt,
    ...(Object.keys(o.metadata.labels).length > 0 ? { labels: o.metadata.labels } : {}),
  };
  if (record.kind === 'Job') {
    const spec = o.spec as JobSpec;
    const j = item.status.job;
    const selector = spec.selector ?? {
      matchLabels: { 'batch.kubernetes.io/controller-uid': record.uid },
    };
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata,
      spec: {
        ...(spec.completions === null ? {} : { completions: spec.completions }),
        parallelism: spec.parallelism,
        completionMode: spec.completionMode,
        backoffLimit: spec.backoffLimit,
        ...(spec.activeDeadlineSeconds === undefined
          ? {}
          : { activeDeadlineSeconds: spec.activeDeadlineSeconds }),
        ...(spec.ttlSecondsAfterFinished === undefined
          ? {}
          : { ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished }),
        selector,
        template: spec.template,
      },
      status: {
        ...(j?.startTime === undefined ? {} : { startTime: j.startTime }),
        ...(j?.completionTime === undefined ? {} : { completionTime: j.completionTime }),
        ...(j !== undefined && j.active > 0 ? { active: j.active } : {}),
        ...(j !== undefined && j.succeeded > 0 ? { succeeded: j.succeeded } : {}),
        ...(j !== undefined && j.failed > 0 ? { failed: j.failed } : {}),
        ...(j !== undefined && j.conditions.length > 0 ? { conditions: j.conditions } : {}),
      },
    };
  }
  const s = item.status;
  return {
    apiVersion: 'apps/v1',
    kind: record.kind,
    metadata,
    spec: o.spec,
    status: {
      desiredNumberScheduled: 1,
      currentNumberScheduled: s.replicas,
      numberReady: s.readyReplicas,
      updatedNumberScheduled: s.updatedReplicas,
      numberAvailable: s.availableReplicas,
    },
  };
}

/**
 * `podkit get jobs|daemonsets [NAME]`: a table (kubectl's columns), or with a NAME or
 * `-o yaml|json` the objects with their status. NOT_FOUND-like usage error for a missing name.
 */
export function renderWorkloads(
  kind: 'Job' | 'DaemonSet',
  all: readonly WorkloadItem[],
  namespace: string,
  name: string | undefined,
  output: 'yaml' | 'json' | 'table',
  now: number,
): string {
  const items = all.filter(
    (i) =>
      i.record.kind === kind &&
      i.record.object.metadata.namespace === namespace &&
      (name === undefined || i.record.object.metadata.name === name),
  );
  if (name !== undefined && items.length === 0)
    throw new UsageError(`no ${kind} named "${name}" in namespace "${namespace}"`, {
      hint: `\`podkit get ${kind === 'Job' ? 'jobs' : 'daemonsets'}\` lists them`,
    });
  if (output === 'table') {
    if (items.length === 0) return '';
    return kind === 'Job' ? renderJobs(items, now) : renderDaemonSets(items, now);
  }
  const objects = items.map(kubernetesObject);
  const value =
    name === undefined ? { apiVersion: 'v1', kind: 'List', items: objects } : objects[0];
  return output === 'json'
    ? `${JSON.stringify(value, null, 4)}\n`
    : stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
