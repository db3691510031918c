import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiPod } from './objects.js';
import { humanDuration, podCells, podTable, wantsTable } from './tables.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function pod(status: Partial<ApiPod['status']>, meta: Partial<ApiPod['metadata']> = {}): ApiPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      creationTimestamp: '2026-01-01T11:59:15Z',
      ...meta,
    },
    spec: { nodeName: 'vm', containers: [{ name: 'a' }, { name: 'b' }] },
    status: { phase: 'Running', ...status },
  };
}

test('humanDuration: kubectl AGE', () => {
  const s = (n: number) => humanDuration(n * 1000);
  assert.deepEqual(
    [
      s(-5),
      s(0),
      s(45),
      s(119),
      s(200),
      s(600),
      s(3 * 3600),
      s(5 * 3600 + 60 * 7),
      s(30 * 3600),
      s(3 * 86400 + 3600),
      s(100 * 86400),
      s(800 * 86400),
    ],
    [
      '<invalid>',
      '0s',
      '45s',
      '119s',
      '3m20s',
      '10m',
      '3h',
      '5h7m',
      '30h',
      '3d1h',
      '100d',
      '2y70d',
    ],
  );
});

test('pod cells: READY, STATUS from the containers, RESTARTS with the last one, wide columns', () => {
  const running = pod({
    podIP: '10.89.0.5',
    containerStatuses: [
      { name: 'a', ready: true, restartCount: 0, state: { running: { startedAt: 'x' } } },
      {
        name: 'b',
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { finishedAt: '2026-01-01T11:59:18Z' } },
      },
    ],
  });
  assert.deepEqual(podCells(running, NOW), [
    'web',
    '1/2',
    'CrashLoopBackOff',
    '3 (42s ago)',
    '45s',
    '10.89.0.5',
    'vm',
    '<none>',
    '<none>',
  ]);
  const terminating = pod({ containerStatuses: [] }, { deletionTimestamp: '2026-01-01T12:00:00Z' });
  assert.equal(podCells(terminating, NOW)[2], 'Terminating');
  const exited = pod({
    phase: 'Failed',
    containerStatuses: [
      {
        name: 'a',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 1, reason: 'Error' } },
      },
      {
        name: 'b',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 137, signal: 9 } },
      },
    ],
  });
  assert.equal(podCells(exited, NOW)[2], 'Error');
  const pending = pod({ phase: 'Pending' });
  assert.deepEqual(podCells(pending, NOW).slice(1, 4), ['0/2', 'Pending', '0']);
});

test('the pod Table: priority 1 columns only with -o wide; the row object per includeObject', () => {
  const t = podTable([pod({})], NOW, 'Metadata', '7');
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '7' });
  assert.deepEqual(
    t.columnDefinitions.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ],
  );
  assert.deepEqual(t.rows[0]?.object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: pod({}).metadata,
  });
  assert.equal(podTable([pod({})], NOW, 'None', '7').rows[0]?.object, undefined);
  assert.equal((podTable([pod({})], NOW, 'Object', '7').rows[0]?.object as ApiPod).kind, 'Pod');
});

test('wantsTable: the Accept header kubectl get sends', () => {
  assert.equal(
    wantsTable(
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    ),
    true,
  );
  assert.equal(wantsTable('application/json'), false);
  assert.equal(wantsTable(undefined), false);
});
