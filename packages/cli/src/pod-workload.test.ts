import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OwnerReference, PodRecord, WorkloadRecord } from '@podkit/runtime';
import { createColors } from 'picocolors';
import { renderPs, psPod } from './commands/ps.js';
import { inWorkloadOrder, workloadOf } from './pod-workload.js';

const ref = (kind: string, name: string): OwnerReference =>
  ({ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }) as OwnerReference;

function pod(name: string, owner?: OwnerReference, namespace = 'default'): PodRecord {
  return {
    uid: `uid-${name}`,
    name,
    namespace,
    createdAt: '2026-01-01T00:00:00Z',
    released: false,
    pod: {
      metadata: { name, namespace, ...(owner === undefined ? {} : { ownerReferences: [owner] }) },
      spec: { initContainers: [], containers: [] },
    },
    status: {
      phase: 'Running',
      conditions: [],
      initContainerStatuses: [],
      containerStatuses: [],
    },
  } as unknown as PodRecord;
}

function workload(kind: string, name: string, owner?: OwnerReference): WorkloadRecord {
  return {
    kind,
    object: {
      metadata: {
        name,
        namespace: 'default',
        ...(owner === undefined ? {} : { ownerReferences: [owner] }),
      },
    },
  } as unknown as WorkloadRecord;
}

const WORKLOADS = [
  workload('Deployment', 'web'),
  workload('ReplicaSet', 'web-6d4b9c', ref('Deployment', 'web')),
  workload('ReplicaSet', 'solo'),
  workload('StatefulSet', 'db'),
];

test("a pod's workload: a Deployment through its ReplicaSet, the owner itself otherwise, none for a bare pod", () => {
  assert.equal(
    workloadOf(pod('web-6d4b9c-abcde', ref('ReplicaSet', 'web-6d4b9c')), WORKLOADS),
    'deployment/web',
  );
  assert.equal(
    workloadOf(pod('solo-xyz12', ref('ReplicaSet', 'solo')), WORKLOADS),
    'replicaset/solo',
  );
  assert.equal(workloadOf(pod('db-0', ref('StatefulSet', 'db')), WORKLOADS), 'statefulset/db');
  assert.equal(workloadOf(pod('work-q2w3e', ref('Job', 'work')), WORKLOADS), 'job/work');
  // A ReplicaSet already gone: the pod still shows what owns it.
  assert.equal(
    workloadOf(pod('old-aaaaa', ref('ReplicaSet', 'old-1')), WORKLOADS),
    'replicaset/old-1',
  );
  assert.equal(workloadOf(pod('bare'), WORKLOADS), undefined);
});

test('ps order: each workload together, its pods by name (db-2 before db-10), bare pods last', () => {
  const pods = [
    pod('zeta'),
    pod('db-10', ref('StatefulSet', 'db')),
    pod('web-6d4b9c-bbbbb', ref('ReplicaSet', 'web-6d4b9c')),
    pod('alpha'),
    pod('db-2', ref('StatefulSet', 'db')),
    pod('web-6d4b9c-aaaaa', ref('ReplicaSet', 'web-6d4b9c')),
  ].map((r) => psPod(r, WORKLOADS));
  assert.deepEqual(
    inWorkloadOrder(pods).map((p) => `${p.workload ?? '-'} ${p.name}`),
    [
      'deployment/web web-6d4b9c-aaaaa',
      'deployment/web web-6d4b9c-bbbbb',
      'statefulset/db db-2',
      'statefulset/db db-10',
      '- alpha',
      '- zeta',
    ],
  );
  const text = renderPs(pods, Date.parse('2026-01-01T00:01:00Z'), createColors(false));
  const lines = text.trimEnd().split('\n');
  assert.match(
    lines[0] ?? '',
    /^NAME\s+READY\s+STATUS\s+RESTARTS\s+IP\s+PORTS\s+AGE\s+WORKLOAD\s+OWNER$/,
  );
  assert.match(
    lines[1] ?? '',
    /^web-6d4b9c-aaaaa\s+0\/0\s+Running\s+0\s+60s\s+deployment\/web\s+ReplicaSet\/web-6d4b9c$/,
  );
  assert.match(lines[6] ?? '', /^zeta\s+0\/0\s+Running\s+0\s+60s$/);
});

test('no WORKLOAD or OWNER column when no controller owns a pod', () => {
  const text = renderPs(
    [psPod(pod('alone'), [])],
    Date.parse('2026-01-01T00:00:05Z'),
    createColors(false),
  );
  assert.match(text, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+IP\s+PORTS\s+AGE\n/);
});
