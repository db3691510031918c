import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodRecord, WorkloadRecord } from '@podkit/runtime';
import { parsePodRef, podsOfWorkload } from './pod-ref.js';

const owner = (kind: string, name: string) => [
  { apiVersion: 'apps/v1', kind, name, uid: `${kind}-${name}`, controller: true },
];

function pod(
  name: string,
  opts: { owner?: [string, string]; ready?: boolean; createdAt?: string; ns?: string } = {},
): PodRecord {
  return {
    name,
    namespace: opts.ns ?? 'default',
    createdAt: opts.createdAt ?? '2026-01-01T00:00:00.000Z',
    released: false,
    pod: {
      metadata: {
        name,
        namespace: opts.ns ?? 'default',
        ...(opts.owner ? { ownerReferences: owner(...opts.owner) } : {}),
      },
    },
    status: {
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  } as unknown as PodRecord;
}

function workload(kind: string, name: string, by?: [string, string]): WorkloadRecord {
  return {
    kind,
    object: {
      metadata: { name, namespace: 'default', ...(by ? { ownerReferences: owner(...by) } : {}) },
    },
  } as unknown as WorkloadRecord;
}

test('parsePodRef: a name, or kubectl TYPE/NAME in short and long forms', () => {
  assert.deepEqual(parsePodRef('web-0'), { kind: 'Pod', name: 'web-0' });
  assert.deepEqual(parsePodRef('pod/web-0'), { kind: 'Pod', name: 'web-0' });
  assert.deepEqual(parsePodRef('deploy/web'), { kind: 'Deployment', name: 'web' });
  assert.deepEqual(parsePodRef('Deployment/web'), { kind: 'Deployment', name: 'web' });
  assert.deepEqual(parsePodRef('sts/db'), { kind: 'StatefulSet', name: 'db' });
  assert.deepEqual(parsePodRef('ds/agent'), { kind: 'DaemonSet', name: 'agent' });
  for (const bad of ['svc/web', 'deploy/', 'deploy/a/b'])
    assert.throws(() => parsePodRef(bad), { code: 'POD_NOT_FOUND' }, bad);
});

test("podsOfWorkload: a Deployment's pods are its ReplicaSets'; Ready ones first, then the oldest", () => {
  const workloads = [
    workload('Deployment', 'web'),
    workload('ReplicaSet', 'web-aaa', ['Deployment', 'web']),
    workload('ReplicaSet', 'web-bbb', ['Deployment', 'web']),
    workload('ReplicaSet', 'other-ccc', ['Deployment', 'other']),
  ];
  const pods = [
    pod('web-bbb-new', { owner: ['ReplicaSet', 'web-bbb'], createdAt: '2026-01-01T00:00:02Z' }),
    pod('web-aaa-unready', {
      owner: ['ReplicaSet', 'web-aaa'],
      ready: false,
      createdAt: '2026-01-01T00:00:00Z',
    }),
    pod('web-aaa-old', { owner: ['ReplicaSet', 'web-aaa'], createdAt: '2026-01-01T00:00:01Z' }),
    pod('other-ccc-x', { owner: ['ReplicaSet', 'other-ccc'] }),
    pod('web-in-staging', { owner: ['ReplicaSet', 'web-aaa'], ns: 'staging' }),
    pod('loose'),
  ];
  assert.deepEqual(
    podsOfWorkload({ kind: 'Deployment', name: 'web' }, 'default', pods, workloads).map(
      (p) => p.name,
    ),
    ['web-aaa-old', 'web-bbb-new', 'web-aaa-unready'],
  );
  assert.deepEqual(
    podsOfWorkload({ kind: 'ReplicaSet', name: 'other-ccc' }, 'default', pods, workloads).map(
      (p) => p.name,
    ),
    ['other-ccc-x'],
  );
  assert.deepEqual(
    podsOfWorkload({ kind: 'Deployment', name: 'none' }, 'default', pods, workloads),
    [],
  );
});
