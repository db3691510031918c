/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- the client's model
   classes are plain data shapes: its documentation passes object literals, as here. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  Watch,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { freeHostPort } from '@podkit/runtime/testing';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

// The official JavaScript client (@kubernetes/client-node) against the agent's Kubernetes
// API, with the kubeconfig `podkit kubeconfig` prints: it lists, watches and creates pods,
// and sees a pod `podkit up` made.

const SPEC: V1PodSpec = {
  terminationGracePeriodSeconds: 1,
  containers: [
    {
      name: 'main',
      image: 'busybox:test',
      command: ['sh', '-c', 'exec sleep 1000'],
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
    },
  ],
};

const POD = (name: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name } },
  spec: SPEC,
});

test('@kubernetes/client-node lists, watches and creates pods', async (t) => {
  const env = await cliTestEnv(t);
  const port = await freeHostPort();
  await writeFile(path.join(env.root, 'agent.json'), JSON.stringify({ apiPort: port }));
  const kc = await env.run(['kubeconfig']);
  assert.equal(kc.code, 0, kc.err());
  const config = new KubeConfig();
  config.loadFromString(kc.out());
  assert.equal(config.getCurrentContext(), 'podkit');
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);

  // A pod made by `podkit up` is one the client lists.
  const up = await env.run([
    'up',
    '-d',
    await env.manifest('from-up.yaml', JSON.stringify(POD('from-up'))),
  ]);
  assert.equal(up.code, 0, up.err());
  const first = await core.listNamespacedPod({ namespace: 'default' });
  assert.deepEqual(
    first.items.map((p) => p.metadata?.name),
    ['from-up'],
  );
  const listedAt = first.metadata?.resourceVersion;
  assert.ok(listedAt !== undefined);

  // A watch from the list's version sees the pod the client then creates, up to Running.
  const seen: { type: string; name: string; phase: string }[] = [];
  const watch = new Watch(config);
  const aborter = await watch.watch(
    '/api/v1/namespaces/default/pods',
    { resourceVersion: listedAt },
    (type, obj: V1Pod) => {
      seen.push({ type, name: obj.metadata?.name ?? '', phase: obj.status?.phase ?? '' });
    },
    () => undefined,
  );
  t.after(() => {
    aborter.abort();
  });
  const created = await core.createNamespacedPod({
    namespace: 'default',
    body: POD('from-client'),
  });
  assert.equal(created.metadata?.name, 'from-client');
  assert.ok(created.metadata.uid !== undefined && created.metadata.uid !== '');
  await until(
    () =>
      Promise.resolve(
        seen.some((e) => e.name === 'from-client' && e.phase === 'Running') ? true : undefined,
      ),
    'the watch to see from-client Running',
  );
  assert.equal(seen.find((e) => e.name === 'from-client')?.type, 'ADDED');

  // Read back, selected by label; the CLI sees the client's pod.
  const one = await core.readNamespacedPod({ namespace: 'default', name: 'from-client' });
  assert.equal(one.spec?.containers[0]?.image, 'busybox:test');
  const selected = await core.listNamespacedPod({
    namespace: 'default',
    labelSelector: 'app=from-client',
  });
  assert.deepEqual(
    selected.items.map((p) => p.metadata?.name),
    ['from-client'],
  );
  const ps = await env.run(['ps']);
  assert.match(ps.out(), /from-client/);

  // An error is the API server's: a 404 the client raises with its code.
  await assert.rejects(
    core.readNamespacedPod({ namespace: 'default', name: 'nope' }),
    (err: unknown) => {
      assert.equal((err as { code?: number }).code, 404);
      return true;
    },
  );

  // apps/v1 through the same client: a Deployment created and listed.
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: SPEC },
      },
    },
  });
  const ready = await until(async () => {
    const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'web' });
    return d.status?.readyReplicas === 1 ? d : undefined;
  }, 'the Deployment to have its pod Ready');
  assert.equal(ready.spec?.replicas, 1);

  await core.deleteNamespacedPod({ namespace: 'default', name: 'from-client' });
  await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'web' });
  await until(
    () =>
      Promise.resolve(
        seen.some((e) => e.name === 'from-client' && e.type === 'DELETED') ? true : undefined,
      ),
    'the watch to see from-client deleted',
  );
});
