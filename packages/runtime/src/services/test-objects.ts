import { parseManifests } from '../spec/index.js';
import type { Pod, Service } from '../spec/types.js';
import type { PodRecord } from '../pod/pod-store.js';

/** Test objects: a Service with defaults, and pod records as the agent keeps them. */
export function testService(
  spec: Partial<Service['spec']> = {},
  name = 'web',
  namespace = 'default',
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: {}, annotations: {} },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      clusterIP: undefined,
      ports: [
        { name: undefined, protocol: 'TCP', port: 80, targetPort: 8080, nodePort: undefined },
      ],
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 10800,
      publishNotReadyAddresses: false,
      ...spec,
    },
    origin: { file: 'svc.yaml', line: 1, column: 1, kind: 'Service' },
  };
}

export function testPod(yaml: string): Pod {
  const set = parseManifests(yaml, 'pod.yaml');
  const pod = set.pods[0];
  if (pod === undefined) throw new Error(set.diagnostics.map((d) => d.message).join('\n'));
  return pod;
}

export function testRecord(
  pod: Pod,
  status: { ip?: string; ready?: boolean; phase?: PodRecord['status']['phase'] } = {},
  extra: Partial<PodRecord> = {},
): PodRecord {
  return {
    version: 1,
    uid: `uid-${pod.metadata.name}`,
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    createdAt: '2026-12-07T00:00:00Z',
    source: 'pod.yaml',
    pod,
    released: false,
    status: {
      phase: status.phase ?? 'Running',
      podIP: status.ip ?? '10.89.0.5',
      conditions: [
        {
          type: 'Ready',
          status: (status.ready ?? true) ? 'True' : 'False',
          lastTransitionTime: '2026-12-07T00:00:00Z',
        },
      ],
      initContainerStatuses: [],
      containerStatuses: [],
    },
    ...extra,
  };
}
