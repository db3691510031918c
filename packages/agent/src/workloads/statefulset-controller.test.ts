import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolumeClaim, Pod, PodRecord, StatefulSetRecord } from '@podkit/runtime';
import { parseManifests } from '@podkit/runtime/spec';
import { StatefulSetController, type StatefulSetHost } from './statefulset-controller.js';
import { REVISION_LABEL, statefulSetRevision } from './statefulset-objects.js';
import { testPod } from './test-objects.js';

/** A StatefulSet record read from YAML (`extra` lines under `spec:`), the container's V=`v`. */
function record(extra: string[] = [], v = '1'): StatefulSetRecord {
  const set = parseManifests(
    [
      'apiVersion: apps/v1',
      'kind: StatefulSet',
      'metadata: {name: db}',
      'spec:',
      '  serviceName: db',
      ...extra.map((l) => `  ${l}`),
      '  selector: {matchLabels: {app: db}}',
      '  template:',
      '    metadata: {labels: {app: db}}',
      '    spec:',
      '      volumes: [{name: data, emptyDir: {}}, {name: scratch, emptyDir: {}}]',
      `      containers: [{name: c, image: busybox, env: [{name: V, value: "${v}"}]}]`,
      '  volumeClaimTemplates:',
      '    - metadata: {name: data, labels: {tier: db}}',
      '      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}',
    ].join('\n'),
    's.yaml',
  );
  const s = set.statefulSets[0];
  assert.ok(s, JSON.stringify(set.diagnostics));
  return {
    version: 1,
    kind: 'StatefulSet',
    uid: 'sts-uid',
    createdAt: '',
    source: 's.yaml',
    object: s,
  };
}

/** A host that records what the controller asks for. */
function host(o: { fail?: number } = {}) {
  const created: { pod: Pod; claims: readonly PersistentVolumeClaim[] }[] = [];
  const deleted: string[] = [];
  const wakes: number[] = [];
  let fail = o.fail ?? 0;
  const h: StatefulSetHost = {
    createOwnedPod: (pod, opts) => {
      if (fail > 0) {
        fail--;
        return Promise.reject(new Error('admission failed'));
      }
      created.push({ pod, claims: opts.claims ?? [] });
      return Promise.resolve();
    },
    delete: (p) => {
      deleted.push(p.name);
    },
    deleting: () => new Set(),
    wakeAt: (at) => {
      if (at !== undefined) wakes.push(at);
    },
    log: () => undefined,
    now: () => 1_000_000,
    createTimeoutMs: 1000,
    retryBaseMs: 1000,
    retryCapMs: 60_000,
  };
  return { h, created, deleted, wakes };
}

/** A Running, Ready pod of the set made from `pod` (as the runtime would record it). */
function running(pod: Pod): PodRecord {
  return { ...testPod(pod.metadata.name, { readyAt: '2026-01-01T00:00:00Z' }), pod };
}

describe('StatefulSetController', () => {
  it('OrderedReady: creates db-0 only, its claim first, with the identity Kubernetes gives it', async () => {
    const s = record(['replicas: 3']);
    const { h, created } = host();
    await new StatefulSetController(h).sync(s, []);
    assert.equal(created.length, 1);
    const [{ pod, claims }] = created as [(typeof created)[number]];
    assert.equal(pod.metadata.name, 'db-0');
    assert.equal(pod.spec.hostname, 'db-0');
    assert.equal(pod.spec.subdomain, 'db');
    assert.deepEqual(pod.metadata.labels, {
      app: 'db',
      'statefulset.kubernetes.io/pod-name': 'db-0',
      'apps.kubernetes.io/pod-index': '0',
      [REVISION_LABEL]: statefulSetRevision(s),
    });
    assert.deepEqual(pod.metadata.ownerReferences?.[0], {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'db',
      uid: 'sts-uid',
      controller: true,
      blockOwnerDeletion: true,
    });
    // The claim template replaces the template's volume of the same name.
    assert.deepEqual(pod.spec.volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0', readOnly: false } },
      { name: 'scratch', emptyDir: { medium: '' } },
    ]);
    assert.deepEqual(
      claims.map((c) => [c.metadata.name, c.metadata.labels, c.spec.storage]),
      [['data-db-0', { tier: 'db', app: 'db' }, '1Gi']],
    );
  });

  it('OrderedReady: the next ordinal once the previous one is Running and Ready', async () => {
    const s = record(['replicas: 3']);
    const first = host();
    const c = new StatefulSetController(first.h);
    await c.sync(s, []);
    const db0 = running(first.created[0]?.pod as Pod);
    const second = host();
    await new StatefulSetController(second.h).sync(s, [db0]);
    assert.deepEqual(
      second.created.map((x) => x.pod.metadata.name),
      ['db-1'],
    );
  });

  it('Parallel: every missing ordinal at once', async () => {
    const { h, created } = host();
    await new StatefulSetController(h).sync(
      record(['replicas: 3', 'podManagementPolicy: Parallel']),
      [],
    );
    assert.deepEqual(
      created.map((x) => x.pod.metadata.name),
      ['db-0', 'db-1', 'db-2'],
    );
  });

  it('below a partition a missing pod is made again from an old-revision pod, at its revision', async () => {
    const parallel = ['replicas: 3', 'podManagementPolicy: Parallel'];
    const old = record(parallel, '1');
    const next = record([...parallel, 'updateStrategy: {rollingUpdate: {partition: 2}}'], '2');
    const madeOld = host();
    await new StatefulSetController(madeOld.h).sync(old, []);
    const madeNew = host();
    await new StatefulSetController(madeNew.h).sync(next, []);
    // db-0 is still of the old template, db-2 was updated, db-1 (below the partition) is gone.
    const db0 = running(madeOld.created[0]?.pod as Pod);
    const db2 = running(madeNew.created[2]?.pod as Pod);
    const { h, created } = host();
    await new StatefulSetController(h).sync(next, [db0, db2]);
    assert.deepEqual(
      created.map((x) => x.pod.metadata.name),
      ['db-1'],
    );
    const db1 = created[0]?.pod;
    assert.ok(db1);
    assert.equal(db1.metadata.labels[REVISION_LABEL], statefulSetRevision(old));
    assert.notEqual(statefulSetRevision(old), statefulSetRevision(next));
    assert.deepEqual(db1.spec.containers[0]?.env, [{ name: 'V', value: '1' }]);
    assert.equal(db1.spec.hostname, 'db-1');
  });

  it('a failed creation waits before the next try (1 s, doubling), said once', async () => {
    const s = record();
    const { h, created, wakes } = host({ fail: 1 });
    const c = new StatefulSetController(h);
    await c.sync(s, []);
    assert.deepEqual(created, []);
    assert.deepEqual(wakes, [1_001_000]);
    await c.sync(s, []);
    assert.deepEqual(created, [], 'not again before the delay');
  });
});
