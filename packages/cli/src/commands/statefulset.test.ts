import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '@podkit/agent/client';
import type { PodRecord } from '@podkit/runtime';
import { listClaims, listPods, listWorkloads, watchPods } from '../agent-access.js';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

/** A headless Service `db` and a StatefulSet `db` of busybox pods, each with a claim `data`. */
function app(replicas: number, version = 'v1'): string {
  return `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: ${String(replicas)}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: c
          image: busybox:test
          env: [{name: VERSION, value: ${version}}]
          command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']
          volumeMounts: [{name: data, mountPath: /data}]
          readinessProbe:
            exec: {command: ['true']}
            periodSeconds: 1
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 64Mi}}
`;
}

const ready = (r: PodRecord) =>
  r.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

/** Pods appearing, becoming Ready and removed, in the order the agent announces them. */
function watchOrder(client: AgentClient) {
  const order: string[] = [];
  const seen = new Set<string>();
  const readySeen = new Set<string>();
  const ac = new AbortController();
  const watching = watchPods(
    client,
    [],
    (c) => {
      if (c.type === 'removed') {
        order.push(`removed ${c.name}`);
        seen.delete(c.name);
        readySeen.delete(c.name);
        return;
      }
      const r = c.record;
      if (!seen.has(r.name)) order.push(`new ${r.name}`);
      seen.add(r.name);
      if (ready(r) && !readySeen.has(r.name)) order.push(`ready ${r.name}`);
      if (ready(r)) readySeen.add(r.name);
    },
    ac.signal,
  ).catch(() => undefined);
  return {
    order,
    seen,
    readySeen,
    stop: async () => {
      ac.abort();
      await watching;
    },
  };
}

test('a StatefulSet of 3 (OrderedReady) with a headless Service: pods 0, 1, 2 in order, NAME-1.SVC resolves to pod 1, its claim survives deletion of the pod, kill -9 of the agent, down + up and a rolling update (2, 1, 0); scale 3 → 1 from the top keeps the claims; down --volumes removes them', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('db.yaml', app(3));
  const client = new AgentClient(env.root);
  // The agent first (any command starts it), then a watch of every pod change from the start.
  assert.equal((await env.run(['ps'])).code, 0);
  const initial = watchOrder(client);
  t.after(initial.stop);
  const up = await env.run(['up', '--wait', '--timeout', '90s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^service\/db applied \(headless\)$/m);
  assert.match(up.out(), /^statefulset\/db applied \(3 replicas\)$/m);
  assert.match(up.out(), /^statefulset\/db ready \(3 replicas\)$/m);
  // Pods NAME-0…2, each created once the one before it was Ready (OrderedReady).
  const pods = await listPods(client);
  assert.deepEqual(pods.map((p) => p.name).sort(), ['db-0', 'db-1', 'db-2']);
  const byName = new Map(pods.map((p) => [p.name, p]));
  await until(
    () => Promise.resolve(initial.readySeen.has('db-2') ? true : undefined),
    'the watch to see db-2 Ready',
  );
  assert.deepEqual(initial.order, [
    'new db-0',
    'ready db-0',
    'new db-1',
    'ready db-1',
    'new db-2',
    'ready db-2',
  ]);
  await initial.stop();
  const events = await env.run(['describe', 'db-1']);
  assert.match(events.out(), /^Controlled By:\s+StatefulSet\/db$/m);
  const sts = (await listWorkloads(client)).find((w) => w.record.kind === 'StatefulSet');
  assert.ok(sts !== undefined);
  for (const p of pods) {
    const ordinal = p.name.slice('db-'.length);
    assert.equal(p.pod.spec.hostname, p.name);
    assert.equal(p.pod.spec.subdomain, 'db');
    assert.equal(p.pod.metadata.labels['statefulset.kubernetes.io/pod-name'], p.name);
    assert.equal(p.pod.metadata.labels['apps.kubernetes.io/pod-index'], ordinal);
    assert.equal(p.pod.metadata.ownerReferences?.[0]?.uid, sts.record.uid);
    assert.deepEqual(p.pod.spec.volumes[0], {
      name: 'data',
      persistentVolumeClaim: { claimName: `data-db-${ordinal}`, readOnly: false },
    });
  }
  const ps = await env.run(['ps']);
  assert.equal(ps.out().split('StatefulSet/db').length - 1, 3, ps.out());

  // One claim per pod, data-db-N, each bound to a directory of its own under the state root.
  const claims = await listClaims(client);
  assert.deepEqual(claims.map((c) => c.claim.metadata.name).sort(), [
    'data-db-0',
    'data-db-1',
    'data-db-2',
  ]);
  for (const c of claims) {
    assert.match(
      path.basename(c.path),
      new RegExp(`^pvc-${c.uid}_default_${c.claim.metadata.name}$`),
    );
    assert.equal(path.dirname(c.path), path.join(env.root, 'volumes'));
    assert.deepEqual(c.claim.metadata.labels, { app: 'db' });
  }

  // The cluster DNS: db-1.db, through the pod's search list with the libc resolver (ping's
  // getaddrinfo, as getent would; busybox nslookup takes a dotted name as it is), is pod 1's
  // address, and so is the full name by nslookup.
  const ip1 = byName.get('db-1')?.status.podIP ?? '';
  assert.match(ip1, /^\d+\.\d+\.\d+\.\d+$/);
  const ip = ip1.replace(/\./g, '\\.');
  const ping = env.spawn(['exec', 'db-0', '--', 'ping', '-c', '1', '-W', '1', 'db-1.db']);
  assert.match(
    ping.stdout,
    new RegExp(`^PING db-1\\.db \\(${ip}\\)`, 'm'),
    ping.stdout + ping.stderr,
  );
  const lookup = env.spawn(['exec', 'db-0', '--', 'nslookup', 'db-1.db.default.svc.cluster.local']);
  assert.match(
    lookup.stdout,
    new RegExp(`Name:\\s+db-1\\.db\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${ip}\\s`),
    lookup.stdout + lookup.stderr,
  );

  // Pod 1 writes to its claim; deleted, it is made again with the same name and the same data.
  const write = env.spawn(['exec', 'db-1', '--', 'sh', '-c', 'echo kept-by-db-1 > /data/f']);
  assert.equal(write.status, 0, write.stderr);
  const oldUid = byName.get('db-1')?.uid;
  const del = await env.run(['down', '--force', 'db-1']);
  assert.equal(del.code, 0, del.err());
  const again = await until(async () => {
    const p = (await listPods(client)).find((x) => x.name === 'db-1');
    return p !== undefined && p.uid !== oldUid && p.status.phase === 'Running' ? p : undefined;
  }, 'db-1 made again');
  assert.equal(again.pod.metadata.ownerReferences?.[0]?.uid, sts.record.uid);
  const read1 = env.spawn(['exec', 'db-1', '--', 'cat', '/data/f']);
  assert.equal(read1.stdout, 'kept-by-db-1\n', read1.stderr);
  const other = env.spawn(['exec', 'db-2', '--', 'ls', '/data']);
  assert.equal(other.stdout, '', 'pod 2 has a claim of its own');

  // kill -9 of the agent: the next one adopts the three pods and creates none.
  const uids = new Map((await listPods(client)).map((p) => [p.name, p.uid]));
  const first = await client.info();
  process.kill(first.pid, 'SIGKILL');
  await until(async () => ((await client.alive()) ? undefined : true), 'the agent gone');
  const ps2 = await env.run(['ps']);
  assert.equal(ps2.code, 0, ps2.err());
  assert.notEqual((await client.info()).pid, first.pid);
  await until(async () => {
    const w = (await listWorkloads(client)).find((x) => x.record.kind === 'StatefulSet');
    return w?.status.complete === true ? true : undefined;
  }, 'the StatefulSet complete under the new agent');
  const afterRestart = await listPods(client);
  assert.deepEqual(
    new Map(afterRestart.map((p) => [p.name, p.uid])),
    uids,
    'the same three pods, none made again',
  );

  // down -f: the StatefulSet and its pods go, the claims and their data stay; up brings them back.
  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'statefulset/db removed\nservice/db removed\n');
  assert.match(down.err(), /kept the claims data-db-N and their data/);
  assert.deepEqual(await listPods(client), []);
  assert.equal((await listClaims(client)).length, 3);
  const up2 = await env.run(['up', '--wait', '--timeout', '90s', '-f', file]);
  assert.equal(up2.code, 0, up2.out() + up2.err());
  const read2 = env.spawn(['exec', 'db-1', '--', 'cat', '/data/f']);
  assert.equal(read2.stdout, 'kept-by-db-1\n', read2.stderr);

  // Every pod change as the agent (the one after the kill) announces them.
  const second = watchOrder(client);
  t.after(second.stop);
  const { order, seen, readySeen } = second;

  await until(
    () => Promise.resolve(seen.has('db-2') && readySeen.has('db-2') ? true : undefined),
    'the watch to see db-2 Ready',
  );

  // A changed template and `up` again: a rolling update from the highest ordinal down, each pod
  // made again (same name, same claim) once the one above it is Ready at the new revision.
  const before = order.length;
  const rev1 = (await listPods(client))[0]?.pod.metadata.labels['controller-revision-hash'];
  await env.manifest('db.yaml', app(3, 'v2'));
  const roll = await env.run(['up', '--wait', '--timeout', '90s', '-f', file]);
  assert.equal(roll.code, 0, roll.out() + roll.err());
  assert.match(roll.out(), /^statefulset\/db ready \(3 replicas\)$/m);
  await until(
    () =>
      Promise.resolve(
        order.slice(before).filter((e) => e.startsWith('ready ')).length === 3 ? true : undefined,
      ),
    'the watch to see three pods Ready again',
  );
  assert.deepEqual(order.slice(before), [
    'removed db-2',
    'new db-2',
    'ready db-2',
    'removed db-1',
    'new db-1',
    'ready db-1',
    'removed db-0',
    'new db-0',
    'ready db-0',
  ]);
  const rolled = await listPods(client);
  const rev2 = rolled[0]?.pod.metadata.labels['controller-revision-hash'];
  assert.match(rev2 ?? '', /^db-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(rev2, rev1);
  for (const p of rolled) assert.equal(p.pod.metadata.labels['controller-revision-hash'], rev2);
  const env1 = env.spawn(['exec', 'db-1', '--', 'sh', '-c', 'echo $VERSION; cat /data/f']);
  assert.equal(env1.stdout, 'v2\nkept-by-db-1\n', env1.stderr);

  // Scale 3 → 1: db-2 goes, then db-1 (from the highest ordinal, one at a time); claims stay.
  const mark = order.length;
  await env.manifest('db.yaml', app(1, 'v2'));
  const scale = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(scale.code, 0, scale.out() + scale.err());
  await until(
    () =>
      Promise.resolve(
        order.slice(mark).filter((e) => e.startsWith('removed ')).length === 2 ? true : undefined,
      ),
    'the watch to see two pods removed',
  );
  assert.deepEqual(
    order.slice(mark).filter((e) => e.startsWith('removed ')),
    ['removed db-2', 'removed db-1'],
  );
  assert.deepEqual(
    (await listPods(client)).map((p) => p.name),
    ['db-0'],
  );
  const kept = await listClaims(client);
  assert.equal(kept.length, 3);

  // down --volumes: the claims and their directories go too.
  const downAll = await env.run(['down', '--volumes', '-f', file]);
  assert.equal(downAll.code, 0, downAll.err());
  assert.match(downAll.out(), /^persistentvolumeclaim\/data-db-1 removed \(with its data\)$/m);
  assert.deepEqual(await listClaims(client), []);
  for (const c of kept) assert.equal(existsSync(c.path), false, c.path);
  assert.deepEqual(await readdir(path.join(env.root, 'volumes')), []);
  await second.stop();
});

test('bad input: a pod or a Deployment using a claim that does not exist is refused, naming it, with nothing created; a StatefulSet without its Service runs with a warning', async (t) => {
  const env = await cliTestEnv(t);
  const pod = await env.manifest(
    'pod.yaml',
    `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: b}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fresh}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes: [{name: d, persistentVolumeClaim: {claimName: nope}}]
  containers: [{name: c, image: busybox:test, volumeMounts: [{name: d, mountPath: /d}]}]
`,
  );
  const up = await env.run(['up', '-d', '-f', pod]);
  assert.equal(up.code, 1);
  assert.match(
    up.err(),
    /volume "d": persistentvolumeclaim "nope" not found in namespace "default"/,
  );
  const client = new AgentClient(env.root);
  assert.deepEqual(await listPods(client), []);
  // The file's own claim, made first, went again.
  assert.deepEqual(await listClaims(client), []);

  const deploy = await env.manifest(
    'deploy.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: [{name: d, persistentVolumeClaim: {claimName: missing}}]
      containers: [{name: c, image: busybox:test, volumeMounts: [{name: d, mountPath: /d}]}]
`,
  );
  const upD = await env.run(['up', '-d', '-f', deploy]);
  assert.equal(upD.code, 1);
  assert.match(
    upD.err(),
    /Deployment default\/web \(.*deploy\.yaml:\d+\): volume "d" uses persistentvolumeclaim "missing", which is neither in the file nor on this machine/,
  );
  assert.deepEqual(await listWorkloads(client), []);

  const lone = await env.manifest(
    'lone.yaml',
    `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: solo}
spec:
  serviceName: nosuch
  selector: {matchLabels: {app: solo}}
  template:
    metadata: {labels: {app: solo}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox:test, command: [sleep, '3600']}]
`,
  );
  const upS = await env.run(['up', '-d', '-f', lone]);
  assert.equal(upS.code, 0, upS.err());
  assert.match(
    upS.err(),
    /warning: statefulset\/solo: its serviceName Service "nosuch" does not exist: solo-0\.nosuch and the other pod names resolve once a headless Service "nosuch"/,
  );
  assert.match(upS.out(), /^statefulset\/solo started \(1 replica\)$/m);
  const downS = await env.run(['down', '-f', lone]);
  assert.equal(downS.code, 0, downS.err());
});

test('a PersistentVolumeClaim of the file mounted by a Deployment: its data outlives the pod and down -f; down --volumes removes it', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'app.yaml',
    `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 100Mi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: writer}
spec:
  selector: {matchLabels: {app: writer}}
  template:
    metadata: {labels: {app: writer}}
    spec:
      terminationGracePeriodSeconds: 1
      volumes: [{name: store, persistentVolumeClaim: {claimName: shared}}]
      containers:
        - name: c
          image: busybox:test
          command: [sh, -c, 'trap "exit 0" TERM; echo "$(hostname)" >> /store/log; while :; do sleep 0.2; done']
          volumeMounts: [{name: store, mountPath: /store}]
`,
  );
  const up = await env.run(['up', '--wait', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^persistentvolumeclaim\/shared applied \(100Mi, ReadWriteOnce\)$/m);
  const client = new AgentClient(env.root);
  const [first] = await listPods(client);
  assert.ok(first !== undefined);
  const [claim] = await listClaims(client);
  assert.ok(claim !== undefined);
  assert.equal(claim.claim.metadata.name, 'shared');
  // The pod's line is in the claim's directory, on the host.
  await until(
    async () =>
      (await readFile(path.join(claim.path, 'log'), 'utf8')) === `${first.name}\n`
        ? true
        : undefined,
    "the pod's line in the claim",
  );
  // A claim a pod mounts is not removed.
  const busy = await env.run(['down', 'pvc/shared']);
  assert.equal(busy.code, 1);
  assert.match(busy.err(), /PersistentVolumeClaim default\/shared is in use by pod writer-/);

  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
  assert.match(down.err(), /kept persistentvolumeclaim\/shared and their data/);
  const up2 = await env.run(['up', '--wait', '-f', file]);
  assert.equal(up2.code, 0, up2.out() + up2.err());
  const [second] = await listPods(client);
  assert.ok(second !== undefined && second.name !== first.name);
  await until(async () => {
    const log = await readFile(path.join(claim.path, 'log'), 'utf8');
    return log === `${first.name}\n${second.name}\n` ? true : undefined;
  }, "both pods' lines in the same claim");

  const downAll = await env.run(['down', '--volumes', '-f', file]);
  assert.equal(downAll.code, 0, downAll.err());
  assert.match(downAll.out(), /^persistentvolumeclaim\/shared removed \(with its data\)$/m);
  assert.equal(existsSync(claim.path), false);
  assert.deepEqual(await listClaims(client), []);
});
