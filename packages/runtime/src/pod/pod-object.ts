import type { PodRecord } from './pod-store.js';
import type { PodStatus } from './pod-status.js';
import type { ObjectMeta, PodSpec } from '../spec/types.js';

/** A core/v1 Pod as `kubectl get pod -o json` prints it (the fields podkit has). */
export interface KubernetesPod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta & { uid: string; creationTimestamp: string };
  spec: PodSpec & { nodeName: string };
  status: PodStatus & { podIPs?: { ip: string }[] | undefined };
}

/** Drops undefined members (JSON and YAML output then match the API server's omitempty). */
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The pod record as a Kubernetes Pod object: metadata with uid and creationTimestamp, the
 * defaulted spec (without podkit's own `origin`), and the status the worker keeps (or the
 * observed one, for a pod whose worker is lost).
 *
 * @example
 *   const pod = toKubernetesPod(await findPodRecord(layout, 'web'));
 *   pod.status.phase; // 'Running'
 */
export function toKubernetesPod(record: PodRecord, nodeName = ''): KubernetesPod {
  const { pod, status } = record;
  const ip = status.podIP;
  return clean({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: record.name,
      namespace: record.namespace,
      uid: record.uid,
      creationTimestamp: record.createdAt,
      labels: pod.metadata.labels,
      annotations: pod.metadata.annotations,
    },
    spec: { ...pod.spec, nodeName },
    status: { ...status, podIPs: ip === undefined ? undefined : [{ ip }] },
  });
}
