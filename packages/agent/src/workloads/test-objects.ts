import type { Deployment, PodRecord } from '@podkit/runtime';
import { parseManifests } from '@podkit/runtime/spec';

/** A Deployment read from YAML as the CLI reads it (`extra` lines go under `spec:`). */
export function testDeployment(name = 'web', replicas = 3, extra: string[] = []): Deployment {
  const set = parseManifests(
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: {name: ${name}}`,
      'spec:',
      `  replicas: ${replicas}`,
      ...extra.map((l) => `  ${l}`),
      `  selector: {matchLabels: {app: ${name}}}`,
      '  template:',
      `    metadata: {labels: {app: ${name}}}`,
      '    spec:',
      '      containers: [{name: c, image: busybox, env: [{name: V, value: "1"}]}]',
    ].join('\n'),
    'd.yaml',
  );
  const d = set.deployments[0];
  if (d === undefined) throw new Error(JSON.stringify(set.diagnostics));
  return d;
}

/** A pod record with the fields the controllers look at. */
export function testPod(
  name: string,
  o: {
    phase?: PodRecord['status']['phase'];
    readyAt?: string | undefined;
    restarts?: number;
    createdAt?: string;
    owner?: string;
  } = {},
): PodRecord {
  return {
    version: 1,
    uid: `uid-${name}`,
    name,
    namespace: 'default',
    createdAt: o.createdAt ?? '2026-01-01T00:00:00Z',
    source: 'd.yaml',
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'default',
        labels: {},
        annotations: {},
        ...(o.owner === undefined
          ? {}
          : {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'ReplicaSet',
                  name: 'rs',
                  uid: o.owner,
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            }),
      },
      spec: {
        initContainers: [],
        containers: [{ name: 'c' }],
      } as unknown as PodRecord['pod']['spec'],
      origin: { file: 'd.yaml', line: 1, column: 1, kind: 'ReplicaSet' },
    },
    released: false,
    status: {
      phase: o.phase ?? 'Running',
      conditions:
        o.readyAt === undefined
          ? []
          : [{ type: 'Ready', status: 'True', lastTransitionTime: o.readyAt }],
      initContainerStatuses: [],
      containerStatuses: [
        {
          name: 'c',
          image: 'busybox',
          imageID: '',
          state: {},
          lastState: {},
          ready: o.readyAt !== undefined,
          started: true,
          restartCount: o.restarts ?? 0,
        },
      ],
    },
  };
}
