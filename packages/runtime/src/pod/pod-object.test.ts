import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests, assertValid } from '../spec/manifests.js';
import { toKubernetesPod } from './pod-object.js';
import type { PodRecord } from './pod-store.js';

test('toKubernetesPod: apiVersion/kind, metadata with uid, spec without origin, status with podIPs', () => {
  const set = parseManifests(
    'apiVersion: v1\nkind: Pod\nmetadata: { name: p, labels: { a: b } }\nspec:\n  containers: [{ name: c, image: busybox:test }]\n',
    'p.yaml',
  );
  assertValid(set);
  const pod = set.pods[0];
  assert.ok(pod !== undefined);
  const record: PodRecord = {
    version: 1,
    uid: 'u-1',
    name: 'p',
    namespace: 'default',
    createdAt: '2026-01-01T00:00:00Z',
    source: 'p.yaml',
    pod,
    worker: undefined,
    released: false,
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:01Z' }],
      podIP: '10.89.0.2',
      initContainerStatuses: [],
      containerStatuses: [],
    },
  };
  const k = toKubernetesPod(record, 'node1');
  assert.equal(k.apiVersion, 'v1');
  assert.equal(k.kind, 'Pod');
  assert.deepEqual(k.metadata, {
    name: 'p',
    namespace: 'default',
    uid: 'u-1',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { a: 'b' },
    annotations: {},
  });
  assert.equal(k.spec.nodeName, 'node1');
  assert.equal(k.spec.restartPolicy, 'Always');
  assert.equal(k.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
  assert.ok(!('origin' in k), 'podkit-only fields stay out');
  assert.deepEqual(k.status.podIPs, [{ ip: '10.89.0.2' }]);
  assert.ok(!('reason' in k.status.conditions[0]!), 'undefined members are omitted');
});
