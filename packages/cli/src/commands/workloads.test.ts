import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '@podkit/agent/client';
import { runCommand, type PodRecord, type ReplicaSetRecord } from '@podkit/runtime';
import { rootTag } from '@podkit/runtime/node';
import { listPods, listWorkloads, watchPods } from '../agent-access.js';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

const ALPHABET = '[bcdfghjklmnpqrstvwxz2456789]';

/** A Service in front of a Deployment of busybox httpd pods, each serving "<hostname> <VERSION>". */
function app(version: string, replicas: number): string {
  return `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 3
      containers:
        - name: httpd
          image: busybox:test
          env: [{name: VERSION, value: "${version}"}]
          command: [sh, -c, 'mkdir -p /www && echo "$(hostname) $VERSION" > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /, port: 8080}
            periodSeconds: 1
          # As Kubernetes advises: a pod leaves the Service's endpoints before it stops serving.
          lifecycle:
            preStop:
              exec: {command: [sleep, "1"]}
`;
}

/** One request on a fresh connection (no keep-alive: each one is DNATed anew). */
function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve(body);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const owner = (r: PodRecord) => r.pod.metadata.ownerReferences?.find((o) => o.controller);
const active = (pods: PodRecord[]) =>
  pods.filter(
    (p) =>
      !p.released &&
      p.deletionTimestamp === undefined &&
      p.status.phase !== 'Failed' &&
      p.status.phase !== 'Succeeded',
  );

test('a Deployment of 3 behind a ClusterIP: owned pods, traffic spread, a removed pod replaced, a rolling update without a failed request, scale to 1, down -f leaves nothing', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('app.yaml', app('v1', 3));
  const up = await env.run(['up', '--wait', '--timeout', '90s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^deployment\/web applied \(3 replicas\)$/m);
  assert.match(up.out(), /^deployment\/web ready \(3 replicas\)$/m);
  const vip = /^service\/web applied \(ClusterIP (10\.96\.\d+\.\d+)\)$/m.exec(up.out())?.[1];
  assert.ok(vip !== undefined, up.out());
  const client = new AgentClient(env.root);

  // Three pods <rs>-<5>, each owned by the Deployment's one ReplicaSet, which it owns.
  const workloads = await listWorkloads(client);
  const d = workloads.find((w) => w.record.kind === 'Deployment');
  const rs = workloads.find((w) => w.record.kind === 'ReplicaSet');
  assert.ok(d !== undefined && rs !== undefined, JSON.stringify(workloads));
  assert.equal(workloads.length, 2);
  const hash1 = rs.record.object.metadata.labels['pod-template-hash'] ?? '';
  assert.match(hash1, new RegExp(`^${ALPHABET}{1,10}$`));
  assert.equal(rs.record.object.metadata.name, `web-${hash1}`);
  assert.equal(rs.record.object.metadata.ownerReferences?.[0]?.uid, d.record.uid);
  assert.ok(existsSync(path.join(env.root, 'workloads/deployments/default/web.json')));
  const pods1 = active(await listPods(client));
  assert.equal(pods1.length, 3);
  for (const p of pods1) {
    assert.match(p.name, new RegExp(`^web-${hash1}-${ALPHABET}{5}$`));
    assert.equal(owner(p)?.kind, 'ReplicaSet');
    assert.equal(owner(p)?.uid, rs.record.uid);
    assert.deepEqual(p.pod.metadata.labels, { app: 'web', 'pod-template-hash': hash1 });
    assert.equal(p.status.phase, 'Running');
  }
  const described = await env.run(['describe', pods1[0]?.name ?? '']);
  assert.match(described.out(), new RegExp(`^Controlled By:\\s+ReplicaSet/web-${hash1}$`, 'm'));
  const ps = await env.run(['ps']);
  assert.match(ps.out(), /OWNER/);
  assert.equal(ps.out().split(`ReplicaSet/web-${hash1}`).length - 1, 3, ps.out());

  // Requests over the ClusterIP reach each of the three (each answers with its hostname).
  const names1 = new Set(pods1.map((p) => p.name));
  const seen = new Set<string>();
  await until(async () => {
    const body = await httpGet(`http://${vip}/`);
    seen.add(body.split(' ')[0] ?? '');
    return [...names1].every((n) => seen.has(n)) ? true : undefined;
  }, 'requests over the ClusterIP reaching all three pods');
  assert.deepEqual([...seen].sort(), [...names1].sort());

  // A pod removed is replaced by a new one of the same ReplicaSet.
  const victim = pods1[0]?.name ?? '';
  const down1 = await env.run(['down', '--force', victim]);
  assert.equal(down1.code, 0, down1.err());
  const replaced = await until(async () => {
    const now = active(await listPods(client));
    const fresh = now.filter((p) => !names1.has(p.name));
    return now.length === 3 && fresh.length === 1 && !now.some((p) => p.name === victim)
      ? fresh[0]
      : undefined;
  }, 'the removed pod replaced');
  assert.equal(owner(replaced)?.uid, rs.record.uid);

  // A template change (an env value) and a second `up`: a rolling update, under steady load.
  const control = { stop: false };
  const failures: string[] = [];
  const bodies: string[] = [];
  const load = (async () => {
    while (!control.stop) {
      try {
        const body = await httpGet(`http://${vip}/`);
        if (!/^web-\S+ v[12]\n$/.test(body)) failures.push(`odd answer ${JSON.stringify(body)}`);
        else bodies.push(body);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  })();
  await env.manifest('app.yaml', app('v2', 3));
  const rollout = await env.run(['up', '--wait', '--timeout', '120s', '-f', file]);
  control.stop = true;
  await load;
  t.diagnostic(`rolling update: ${bodies.length} requests answered, ${failures.length} failed`);
  assert.equal(rollout.code, 0, rollout.out() + rollout.err());
  assert.match(rollout.out(), /^deployment\/web ready \(3 replicas\)$/m);
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${failures.length + bodies.length} requests failed`,
  );
  assert.ok(bodies.some((b) => b.endsWith(' v1\n')) && bodies.some((b) => b.endsWith(' v2\n')));
  const after = await listWorkloads(client);
  const rs2 = after.find(
    (w) => w.record.kind === 'ReplicaSet' && w.record.object.metadata.name !== `web-${hash1}`,
  );
  assert.ok(rs2 !== undefined, JSON.stringify(after.map((w) => w.record.object.metadata.name)));
  const hash2 = rs2.record.object.metadata.labels['pod-template-hash'] ?? '';
  assert.notEqual(hash2, hash1);
  // The old ReplicaSet is kept for history, scaled to 0.
  const old = after.find((w) => w.record.object.metadata.name === `web-${hash1}`);
  assert.equal((old?.record as ReplicaSetRecord | undefined)?.object.spec.replicas, 0);
  const pods2 = await until(async () => {
    const all = await listPods(client);
    return all.length === 3 ? all : undefined;
  }, 'the old pods gone');
  for (const p of pods2) {
    assert.match(p.name, new RegExp(`^web-${hash2}-${ALPHABET}{5}$`));
    assert.equal(owner(p)?.uid, rs2.record.uid);
  }
  const v2 = await httpGet(`http://${vip}/`);
  assert.match(v2, / v2\n$/);

  // Scale to 1 by editing replicas.
  await env.manifest('app.yaml', app('v2', 1));
  const scale = await env.run(['up', '--wait', '-f', file]);
  assert.equal(scale.code, 0, scale.out() + scale.err());
  await until(
    async () => ((await listPods(client)).length === 1 ? true : undefined),
    'one pod left',
  );
  const [last] = await listPods(client);
  assert.ok(last !== undefined && pods2.some((p) => p.name === last.name));

  // down -f: no pod, no workload record, no nftables table.
  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'deployment/web removed\nservice/web removed\n');
  assert.deepEqual(await listPods(client), []);
  assert.deepEqual(await listWorkloads(client), []);
  const left = await readdir(path.join(env.root, 'workloads'), { recursive: true });
  assert.deepEqual(
    left.filter((f) => f.endsWith('.json')),
    [],
  );
  const table = `podkit-${rootTag(env.layout)}`;
  await until(
    async () =>
      new RegExp(`table ip ${table}\\b`).test(
        (await runCommand(['nft', 'list', 'tables'], { allowFailure: true })).stdout,
      )
        ? undefined
        : true,
    'the nftables table removed with the Service',
  );
});

test('replicas > 1 with a hostPort is refused with the reason, and nothing is created', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'bad.yaml',
    `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: httpd
          image: busybox:test
          ports: [{containerPort: 80, hostPort: 18080}]
`,
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 1);
  assert.match(
    up.err(),
    /bad\.yaml:12:13 spec\.replicas: 2 replicas cannot run on one machine: the template binds host port 18080 \(container httpd\) and two pods cannot bind one host port/,
  );
  assert.equal(existsSync(path.join(env.root, 'workloads')), false);
  assert.equal(existsSync(path.join(env.root, 'services')), false);
});

test('after kill -9 of the agent: the next one keeps the count (no extra pod) and replaces a removed pod with the ConfigMap its siblings were started with', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'app.yaml',
    `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: hello-from-configmap}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: 2
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: c
          image: busybox:test
          command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']
          env:
            - name: GREETING
              valueFrom: {configMapKeyRef: {name: settings, key: greeting}}
`,
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^deployment\/worker started \(2 replicas\)$/m);
  const client = new AgentClient(env.root);
  const before = active(await listPods(client));
  assert.equal(before.length, 2);
  const first = await client.info();
  process.kill(first.pid, 'SIGKILL');
  await until(async () => ((await client.alive()) ? undefined : true), 'the agent gone');

  // The next agent (started by this command) adopts the pods; its controller creates none.
  const victim = before[0]?.name ?? '';
  const down = await env.run(['down', '--force', victim]);
  assert.equal(down.code, 0, down.err());
  assert.notEqual((await client.info()).pid, first.pid);
  const replacement = await until(async () => {
    const now = active(await listPods(client));
    const fresh = now.filter((p) => !before.some((b) => b.name === p.name));
    return now.length === 2 && fresh.length === 1 && fresh[0]?.status.phase === 'Running'
      ? fresh[0]
      : undefined;
  }, 'the removed pod replaced by the new agent');
  assert.ok(before.some((b) => b.name !== victim && b.name !== replacement.name));
  const envOut = env.spawn(['exec', replacement.name, '--', 'env']);
  assert.equal(envOut.status, 0, envOut.stderr);
  assert.match(envOut.stdout, /^GREETING=hello-from-configmap$/m);
  // Never more than the count: the adopted pods were counted.
  assert.equal((await listPods(client)).length, 2);
});

test('Recreate: on a template change every old pod is gone before the first new one is created', async (t) => {
  const env = await cliTestEnv(t);
  const manifest = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: batch}
spec:
  replicas: 2
  strategy: {type: Recreate}
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: c
          image: busybox:test
          env: [{name: VERSION, value: "${version}"}]
          command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']
`;
  const file = await env.manifest('batch.yaml', manifest('v1'));
  const up = await env.run(['up', '--wait', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  const client = new AgentClient(env.root);
  const old = new Set((await listPods(client)).map((p) => p.name));
  assert.equal(old.size, 2);
  // Every pod change, in order, as the agent announces them.
  const order: string[] = [];
  const ac = new AbortController();
  const watching = watchPods(
    client,
    [],
    (c) => {
      if (c.type === 'removed') order.push(`removed ${c.name}`);
      else if (!old.has(c.record.name)) order.push(`new ${c.record.name}`);
    },
    ac.signal,
  );
  await env.manifest('batch.yaml', manifest('v2'));
  const rollout = await env.run(['up', '--wait', '-f', file]);
  // The watch may lag behind the answer that ended the wait: until it saw both new pods.
  await until(
    () =>
      Promise.resolve(
        new Set(order.filter((e) => e.startsWith('new '))).size === 2 ? true : undefined,
      ),
    'the watch to see the new pods',
  );
  ac.abort();
  await watching;
  assert.equal(rollout.code, 0, rollout.out() + rollout.err());
  const firstNew = order.findIndex((e) => e.startsWith('new '));
  assert.ok(firstNew > 0, order.join('\n'));
  const removedBefore = order.slice(0, firstNew).filter((e) => e.startsWith('removed '));
  assert.deepEqual(
    removedBefore.map((e) => e.slice('removed '.length)).sort(),
    [...old].sort(),
    order.join('\n'),
  );
  const now = await listPods(client);
  assert.equal(now.length, 2);
  assert.ok(now.every((p) => !old.has(p.name)));
});
