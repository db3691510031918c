import { cpuMillis, memoryBytes } from '../spec/quantity.js';
import type { DownwardFacts, ObjectFieldSelector, ResourceFieldSelector } from './types.js';

/** Kubernetes formats labels and annotations files as sorted `key="value"` lines. */
function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${JSON.stringify(map[k])}`)
    .join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/**
 * The value of a fieldRef, or undefined when the pod has no such field. Paths accepted by
 * validation only; an unknown one yields undefined.
 */
export function fieldRefValue(ref: ObjectFieldSelector, facts: DownwardFacts): string | undefined {
  const m = SUBSCRIPT.exec(ref.fieldPath);
  if (m !== null) {
    const map = m[1] === 'labels' ? facts.labels : facts.annotations;
    return map[m[2] ?? ''] ?? '';
  }
  switch (ref.fieldPath) {
    case 'metadata.name':
      return facts.name;
    case 'metadata.namespace':
      return facts.namespace;
    case 'metadata.uid':
      return facts.uid;
    case 'metadata.labels':
      return formatMap(facts.labels);
    case 'metadata.annotations':
      return formatMap(facts.annotations);
    case 'spec.nodeName':
      return facts.nodeName;
    case 'spec.serviceAccountName':
      return facts.serviceAccountName;
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    default:
      return undefined;
  }
}

/**
 * The value of a resourceFieldRef as kubelet computes it: the container's limit (or the
 * node's allocatable when unset; requests fall back to 0), divided by the divisor and rounded
 * up, as an integer string.
 */
export function resourceFieldRefValue(
  ref: ResourceFieldSelector,
  facts: DownwardFacts,
  defaultContainer?: string,
): string | undefined {
  const containerName = ref.containerName ?? defaultContainer;
  const container = containerName === undefined ? undefined : facts.containers.get(containerName);
  if (container === undefined) return undefined;
  const [kind, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if (resource === undefined || (kind !== 'limits' && kind !== 'requests')) return undefined;
  const written = (kind === 'limits' ? container.limits : container.requests)[resource];
  if (resource === 'cpu') {
    const millis =
      written !== undefined ? cpuMillis(written) : kind === 'limits' ? facts.node.cpuMillis : 0;
    const divisor = cpuMillis(ref.divisor);
    return String(Math.ceil(millis / Math.max(divisor, 1)));
  }
  if (resource === 'memory' || resource === 'ephemeral-storage') {
    const fallback =
      resource === 'memory' ? facts.node.memoryBytes : facts.node.ephemeralStorageBytes;
    const bytes = written !== undefined ? memoryBytes(written) : kind === 'limits' ? fallback : 0;
    const divisor = memoryBytes(ref.divisor);
    return String(Math.ceil(bytes / Math.max(divisor, 1)));
  }
  return undefined;
}
