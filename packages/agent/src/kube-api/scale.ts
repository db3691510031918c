/**
 * The `scale` subresource of Deployments, ReplicaSets and StatefulSets (autoscaling/v1
 * Scale): what `kubectl scale` reads and patches. A change of `spec.replicas` is an update of
 * the workload itself (the same admission and write as a PUT of it).
 */
import { formatSelector } from './cluster-tables.js';
import type { ApiObject } from './objects.js';

/** The resources that have a scale subresource. */
export const SCALABLE = ['deployments', 'replicasets', 'statefulsets'] as const;

export function isScalable(resource: string): boolean {
  return (SCALABLE as readonly string[]).includes(resource);
}

/** The workload's Scale. */
export function scaleOf(o: ApiObject): ApiObject {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (o.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: {
      replicas: status.replicas ?? 0,
      selector: formatSelector(spec.selector).replace(/^<none>$/, ''),
    },
  };
}

/**
 * The replica count a Scale body asks for, or a message saying what is wrong with it (the API
 * server's validation of Scale: a whole number ≥ 0).
 */
export function wantedReplicas(scale: Record<string, unknown>): number | string {
  const spec = scale.spec;
  const replicas =
    typeof spec === 'object' && spec !== null
      ? (spec as Record<string, unknown>).replicas
      : undefined;
  if (replicas === undefined) return 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    return `spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`;
  return replicas;
}
