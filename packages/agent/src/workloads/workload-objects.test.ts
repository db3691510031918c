import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentRecord, ReplicaSetRecord } from '@podkit/runtime';
import { podTemplateHash } from './names.js';
import { deploymentState, podFor, replicaSetFor, workloadViews } from './workload-objects.js';
import { testDeployment, testPod } from './test-objects.js';

const d: DeploymentRecord = {
  version: 1,
  kind: 'Deployment',
  uid: 'd-uid',
  createdAt: '2026-01-01T00:00:00Z',
  source: 'd.yaml',
  object: testDeployment('web', 2),
};

describe('objects a Deployment makes', () => {
  const hash = podTemplateHash(d.object.spec.template);
  const rs: ReplicaSetRecord = {
    version: 1,
    kind: 'ReplicaSet',
    uid: 'rs-uid',
    createdAt: '2026-01-01T00:00:01Z',
    source: 'd.yaml',
    object: replicaSetFor(d, hash, 2, 1),
  };

  it('its ReplicaSet is <name>-<hash>, owned, with the hash in labels and selector', () => {
    const o = rs.object;
    assert.equal(o.metadata.name, `web-${hash}`);
    assert.deepEqual(o.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: 'd-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(o.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(o.spec.template.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(o.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    // The Deployment's own template is not changed.
    assert.deepEqual(d.object.spec.template.metadata.labels, { app: 'web' });
  });

  it('its pods carry the template labels and an owner reference to the ReplicaSet', () => {
    const pod = podFor(rs, `web-${hash}-bcdfg`);
    assert.equal(pod.metadata.name, `web-${hash}-bcdfg`);
    assert.deepEqual(pod.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    const [ref] = pod.metadata.ownerReferences ?? [];
    assert.ok(ref !== undefined);
    assert.equal(ref.uid, 'rs-uid');
    assert.equal(ref.kind, 'ReplicaSet');
  });

  it('statuses are counted from owned pods only', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    const pods = [
      testPod('a', { owner: 'rs-uid', readyAt: '2026-01-01T00:00:30Z' }),
      testPod('b', { owner: 'rs-uid' }),
      { ...testPod('c', { owner: 'rs-uid' }), deletionTimestamp: '2026-01-01T00:00:59Z' },
      testPod('stranger', { readyAt: '2026-01-01T00:00:30Z' }),
    ];
    const [dv, rv] = workloadViews([d, rs], pods, now);
    assert.ok(dv !== undefined && rv !== undefined);
    assert.equal(rv.status.replicas, 2);
    assert.equal(rv.status.readyReplicas, 1);
    assert.equal(rv.status.terminatingReplicas, 1);
    assert.equal(rv.status.complete, false);
    assert.equal(dv.status.updatedReplicas, 2);
    assert.equal(dv.status.availableReplicas, 1);
    assert.equal(dv.status.complete, false);
    const ready = [
      testPod('a', { owner: 'rs-uid', readyAt: '2026-01-01T00:00:30Z' }),
      testPod('b', { owner: 'rs-uid', readyAt: '2026-01-01T00:00:31Z' }),
    ];
    const [dDone] = workloadViews([d, rs], ready, now);
    assert.ok(dDone !== undefined);
    assert.equal(dDone.status.complete, true);
    const st = deploymentState(d, [d, rs], ready, now);
    assert.deepEqual(
      st.replicaSets.map((x) => [x.replicas, x.available, x.pods]),
      [[2, 2, 2]],
    );
  });
});
