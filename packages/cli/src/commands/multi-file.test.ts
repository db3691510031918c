import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '@podkit/agent/client';
import { listClaims, listServices, listWorkloads } from '../agent-access.js';
import { cliTestEnv } from '../testing/cli-test-env.js';
import type { PsPod } from './ps.js';

// `up -f A -f DIR`: several files and directories applied as one set, as kubectl apply -f
// takes them; `down -f` of the same removes what they made; `ps` groups pods by workload.

const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

const CONFIG = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LEVEL: debug}
`;

const LOOP = `command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: c
          image: busybox:test
          ${LOOP}
          envFrom: [{configMapRef: {name: settings}}]
          ports: [{containerPort: 8080}]
`;

const BARE_POD = `apiVersion: v1
kind: Pod
metadata: {name: tools}
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: c
      image: busybox:test
      ${LOOP}
`;

// Objects podkit does not run: each a warning, the file applies.
const AROUND = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects: [{kind: ServiceAccount, name: web}]
`;

const CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
`;

test('up -f FILE -f DIR: one apply in dependency order — the Deployment of one file gets the Service of another in its env and the ConfigMap of a third; ps groups by workload; down -f of the same removes it all, and again says it is gone', async (t) => {
  const env = await cliTestEnv(t);
  const svc = await env.manifest('svc.yaml', SERVICE);
  const dir = path.join(env.root, 'app');
  await mkdir(dir);
  // Names chosen so that the directory's order is not the dependency order: the Deployment
  // (a-web.yaml) comes before its ConfigMap (b-config.yaml).
  await env.manifest('app/a-web.yaml', DEPLOYMENT);
  await env.manifest('app/b-config.yml', CONFIG);
  await env.manifest('app/c-tools.json', JSON.stringify(BARE_POD_JSON));
  await env.manifest('app/d-around.yaml', AROUND);
  await env.manifest('app/README.md', 'not a manifest: left alone');
  await mkdir(path.join(dir, 'later'));
  await env.manifest('app/later/more.yaml', 'not read without -R');

  const up = await env.run(['up', '-d', '-f', svc, '-f', dir]);
  assert.equal(up.code, 0, up.out() + up.err());
  const vip = /^service\/web applied \(ClusterIP (10\.96\.\d+\.\d+)\)$/m.exec(up.out())?.[1];
  assert.ok(vip !== undefined, up.out());
  assert.match(up.out(), /^deployment\/web applied \(2 replicas\)$/m);
  assert.match(up.out(), /^pod\/tools started \(IP 10\.\d+\.\d+\.\d+\)$/m);
  // Every kind podkit does not run is one warning at its own file and line; none fails the apply.
  for (const [line, kind] of [
    [2, 'Ingress'],
    [10, 'NetworkPolicy'],
    [15, 'HorizontalPodAutoscaler'],
    [22, 'ServiceAccount'],
    [26, 'RoleBinding'],
  ] as const)
    assert.match(
      up.err(),
      new RegExp(
        `^${path.join(dir, 'd-around.yaml')}:${String(line)}:7 warning: kind: ${kind} web is not run by podkit \\(.+\\); ignored$`,
        'm',
      ),
    );

  // The Service selects the Deployment's pods (made right after the apply): no warning.
  assert.doesNotMatch(up.err(), /selects no pod/);

  // ps: the Deployment's two pods together under deployment/web, the bare pod after them.
  const ps = await env.run(['ps']);
  assert.equal(ps.code, 0, ps.err());
  const podRows = ps
    .out()
    .split('\n')
    .filter((l) => /^\S/.test(l))
    .slice(1);
  assert.equal(podRows.length, 3, ps.out());
  assert.match(
    ps.out(),
    /^NAME\s+READY\s+STATUS\s+RESTARTS\s+IP\s+PORTS\s+AGE\s+WORKLOAD\s+OWNER$/m,
  );
  assert.match(
    podRows[0] ?? '',
    /^web-\S+\s+1\/1\s+Running\s.*\sdeployment\/web\s+ReplicaSet\/web-\S+$/,
  );
  assert.match(
    podRows[1] ?? '',
    /^web-\S+\s+1\/1\s+Running\s.*\sdeployment\/web\s+ReplicaSet\/web-\S+$/,
  );
  assert.match(podRows[2] ?? '', /^tools\s+1\/1\s+Running\s+0\s+10\.\S+\s+\d+s$/);
  const json = await env.run(['ps', '-o', 'json']);
  const { pods } = JSON.parse(json.out()) as { pods: PsPod[] };
  assert.deepEqual(pods.map((p) => p.workload ?? '-').sort(), [
    '-',
    'deployment/web',
    'deployment/web',
  ]);

  // The Service (svc.yaml) existed before the Deployment's pods: its variables are in their
  // env, with the ConfigMap's (app/b-config.yml).
  const web = pods.find((p) => p.workload === 'deployment/web');
  assert.ok(web !== undefined);
  const envOut = env.spawn(['exec', web.name, '--', 'env']);
  assert.equal(envOut.status, 0, envOut.stderr);
  assert.match(envOut.stdout, new RegExp(`^WEB_SERVICE_HOST=${vip.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(envOut.stdout, /^WEB_SERVICE_PORT=80$/m);
  assert.match(envOut.stdout, /^LEVEL=debug$/m);

  // Each record names the file its object came from.
  const client = new AgentClient(env.root);
  assert.deepEqual(
    (await listServices(client)).map((r) => r.source),
    [svc],
  );
  assert.deepEqual(
    (await listWorkloads(client))
      .filter((w) => w.record.kind === 'Deployment')
      .map((w) => w.record.source),
    [path.join(dir, 'a-web.yaml')],
  );

  // down -f of the same files and directory: every object they made, and nothing else.
  const down = await env.run(['down', '-f', svc, '-f', dir]);
  assert.equal(down.code, 0, down.out() + down.err());
  assert.deepEqual(down.out().trimEnd().split('\n').sort(), [
    'deployment/web removed',
    'pod/tools removed',
    'service/web removed',
  ]);
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);
  assert.deepEqual(await listServices(client), []);
  assert.deepEqual(await listWorkloads(client), []);

  // Again: nothing is there; each object is said to be gone, and that is no failure.
  const again = await env.run(['down', '-f', svc, '-f', dir]);
  assert.equal(again.code, 0, again.err());
  assert.equal(again.out(), '');
  assert.deepEqual(again.err().trimEnd().split('\n'), [
    'deployment/web not found (nothing to remove)',
    'pod/tools not found (nothing to remove)',
    'service/web not found (nothing to remove)',
    'nothing of the files was there: removed already, or never applied (`podkit ps` shows what runs)',
  ]);
});

const BARE_POD_JSON = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'tools' },
  spec: {
    terminationGracePeriodSeconds: 2,
    containers: [
      {
        name: 'c',
        image: 'busybox:test',
        command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done'],
      },
    ],
  },
};

test('an error in one of several files applies nothing: every diagnostic of every file, no pod, Service, workload or claim left', async (t) => {
  const env = await cliTestEnv(t);
  // An agent runs already: the agent's own check is the one tested (the CLI checks the files
  // itself only before it starts one).
  assert.equal((await env.run(['ps'])).code, 0);
  const claim = await env.manifest('claim.yaml', CLAIM);
  const svc = await env.manifest('svc.yaml', SERVICE);
  const pod = await env.manifest('tools.yaml', BARE_POD);
  const bad = await env.manifest(
    'web.yaml',
    `${CONFIG}---\n${DEPLOYMENT.replace('image: busybox:test', 'imag: busybox:test')}`,
  );
  const badSvc = await env.manifest('bad-svc.yaml', SERVICE.replace('port: 80,', 'port: 0,'));
  const up = await env.run([
    'up',
    '-d',
    '-f',
    claim,
    '-f',
    svc,
    '-f',
    pod,
    '-f',
    bad,
    '-f',
    badSvc,
  ]);
  assert.equal(up.code, 1, up.out() + up.err());
  assert.equal(up.out(), '');
  assert.match(
    up.err(),
    new RegExp(
      `^${bad}:18:11 spec\\.template\\.spec\\.containers\\[0\\]\\.imag: unknown field; did you mean "image"\\?$`,
      'm',
    ),
  );
  assert.match(
    up.err(),
    new RegExp(`^${badSvc}:6:18 spec\\.ports\\[0\\]\\.port: must be 1-65535, got 0$`, 'm'),
  );
  assert.match(up.err(), new RegExp(`^${bad}: invalid \\(2 errors\\)$`, 'm'));
  assert.match(up.err(), new RegExp(`^${badSvc}: invalid \\(1 error\\)$`, 'm'));
  assert.match(up.err(), /^nothing was applied: the 5 files go together, all or none$/m);

  const client = new AgentClient(env.root);
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);
  assert.deepEqual(await listServices(client), []);
  assert.deepEqual(await listWorkloads(client), []);
  assert.deepEqual(await listClaims(client), []);
  assert.deepEqual(await readdir(path.join(env.root, 'claims')).catch(() => []), []);
});

test('one object in two files is an error naming both places; an empty directory is a usage error; nothing applied', async (t) => {
  const env = await cliTestEnv(t);
  assert.equal((await env.run(['ps'])).code, 0);
  const a = await env.manifest('a.yaml', `${SERVICE}---\n${BARE_POD}`);
  const b = await env.manifest('b.yaml', SERVICE);
  const up = await env.run(['up', '-d', '-f', a, '-f', b]);
  assert.equal(up.code, 1, up.out() + up.err());
  assert.match(
    up.err(),
    new RegExp(
      `^${b}:1:1 metadata\\.name: duplicate Service name "web" in namespace "default": ${a}:1:1 defines it too$`,
      'm',
    ),
  );
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);
  assert.deepEqual(await listServices(new AgentClient(env.root)), []);

  const empty = path.join(env.root, 'empty');
  await mkdir(empty);
  await env.manifest('empty/notes.txt', 'no manifest here');
  const none = await env.run(['up', '-f', a, '-f', empty]);
  assert.equal(none.code, 2);
  assert.match(
    none.err(),
    new RegExp(
      `^podkit: ${empty}: no manifest files in this directory \\(\\*\\.yaml, \\*\\.yml, \\*\\.json\\)$`,
      'm',
    ),
  );
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);
});
