import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { parseManifests } from '../spec/index.js';
import { stateLayout } from '../state/state-root.js';
import {
  type DeploymentRecord,
  applyWorkloadRecords,
  listWorkloadRecords,
  removeWorkloadRecord,
  writeWorkloadRecord,
} from './workload-store.js';

async function layout(t: { after: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-wl-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return stateLayout(root);
}

function deployment(name: string, app = name, replicas = 1) {
  const set = parseManifests(
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: c, image: busybox}]}
`,
    'd.yaml',
  );
  const d = set.deployments[0];
  assert.ok(d !== undefined, JSON.stringify(set.diagnostics));
  return d;
}

test('workloads are kept under workloads/<kind>/<ns>/<name>.json; an update keeps the uid', async (t) => {
  const l = await layout(t);
  const [a] = await applyWorkloadRecords(l, [deployment('web')], 'd.yaml');
  assert.ok(a !== undefined);
  assert.deepEqual(await readdir(path.join(l.root, 'workloads', 'deployments', 'default')), [
    'web.json',
  ]);
  const [b] = await applyWorkloadRecords(l, [deployment('web', 'web', 3)], 'd.yaml');
  assert.ok(b !== undefined);
  assert.equal(b.uid, a.uid);
  assert.equal(b.createdAt, a.createdAt);
  const list = await listWorkloadRecords(l);
  assert.equal(list.length, 1);
  assert.equal((list[0] as DeploymentRecord | undefined)?.object.spec.replicas, 3);
  assert.equal(await removeWorkloadRecord(l, 'Deployment', 'default', 'web'), true);
  assert.equal(await removeWorkloadRecord(l, 'Deployment', 'default', 'web'), false);
  assert.deepEqual(await listWorkloadRecords(l), []);
});

test('a changed selector is refused and nothing of the file is written', async (t) => {
  const l = await layout(t);
  await applyWorkloadRecords(l, [deployment('web')], 'd.yaml');
  await assert.rejects(
    applyWorkloadRecords(l, [deployment('other'), deployment('web', 'changed')], 'd.yaml'),
    (err: unknown) =>
      isPodkitError(err, 'WORKLOAD_INVALID') && /selector is immutable/.test(String(err)),
  );
  const names = (await listWorkloadRecords(l)).map((r) => r.object.metadata.name);
  assert.deepEqual(names, ['web']);
});

test("a file's ReplicaSet may not replace one a Deployment owns", async (t) => {
  const l = await layout(t);
  const set = parseManifests(
    `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-abc}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: busybox}]}
`,
    'rs.yaml',
  );
  const rs = set.replicaSets[0];
  assert.ok(rs !== undefined);
  await writeWorkloadRecord(l, {
    version: 1,
    kind: 'ReplicaSet',
    uid: 'owned',
    createdAt: '2026-01-01T00:00:00Z',
    source: 'd.yaml',
    object: {
      ...rs,
      metadata: {
        ...rs.metadata,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'd',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
    },
  });
  await assert.rejects(applyWorkloadRecords(l, [rs], 'rs.yaml'), (err: unknown) =>
    isPodkitError(err, 'WORKLOAD_INVALID'),
  );
});
