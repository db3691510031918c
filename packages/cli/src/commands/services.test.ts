import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { get } from 'node:http';
import { test } from 'node:test';
import { rootTag } from '@podkit/runtime/node';
import { runCommand } from '@podkit/runtime';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

const app = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec:
  containers:
    - name: httpd
      image: busybox:test
      command: [sh, -c, 'mkdir -p /www && echo served-by-web-1 > /www/index.html && exec httpd -f -p 8080 -h /www']
      ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
    - name: c
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']
`;

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 2000 }, (res) => {
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

async function nftTables(): Promise<string> {
  return (await runCommand(['nft', 'list', 'tables'], { allowFailure: true })).stdout;
}

test('a Service: a ClusterIP that reaches its Ready pod, its DNS name on the gateway, its variables in a pod; down -f removes it and its table', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('app.yaml', app);
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());
  const m = /^service\/web applied \(ClusterIP (10\.96\.\d+\.\d+)\)$/m.exec(up.out());
  assert.ok(m?.[1] !== undefined, up.out());
  const vip = m[1];

  // The host reaches the pod through the ClusterIP (the proxy's nftables table), port 80 → http.
  const body = await until(
    () => httpGet(`http://${vip}/`).catch(() => undefined),
    'the Service answering',
  );
  assert.equal(body, 'served-by-web-1\n');
  const table = `podkit-${rootTag(env.layout)}`;
  assert.match(await nftTables(), new RegExp(`table ip ${table}\\b`));

  // The cluster DNS answers on the pod network's gateway.
  const net = JSON.parse(
    await import('node:fs/promises').then((fs) => fs.readFile(`${env.root}/network.json`, 'utf8')),
  ) as { subnet: string };
  const gateway = net.subnet.replace(/\.0\/24$/, '.1');
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([gateway]);
  const answer = await until(
    () => resolver.resolve4('web.default.svc.cluster.local').catch(() => undefined),
    'the cluster DNS',
  );
  assert.deepEqual(answer, [vip]);
  await assert.rejects(resolver.resolve4('nope.default.svc.cluster.local'), { code: 'ENOTFOUND' });

  // A pod created with the Service: its variables, and resolv.conf pointing at the cluster DNS.
  const envOut = env.spawn(['exec', 'client', '--', 'env']);
  assert.equal(envOut.status, 0, envOut.stderr);
  assert.match(envOut.stdout, new RegExp(`^WEB_SERVICE_HOST=${vip.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(envOut.stdout, /^WEB_SERVICE_PORT_HTTP=80$/m);
  const resolv = env.spawn(['exec', 'client', '--', 'cat', '/etc/resolv.conf']);
  assert.match(resolv.stdout, new RegExp(`^nameserver ${gateway.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(
    resolv.stdout,
    /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m,
  );
  assert.match(resolv.stdout, /^options ndots:5$/m);
  // And the pod resolves the Service by its short name, through the search list.
  const lookup = env.spawn(['exec', 'client', '--', 'nslookup', 'web']);
  assert.match(
    lookup.stdout,
    new RegExp(`Address:\\s+${vip.replace(/\./g, '\\.')}`),
    lookup.stdout + lookup.stderr,
  );

  // The pod that is asked to stop leaves the Service at once: no endpoint, the port refuses.
  const downWeb = await env.run(['down', 'web-1']);
  assert.equal(downWeb.code, 0, downWeb.err());
  await until(
    () =>
      httpGet(`http://${vip}/`).then(
        () => undefined,
        (err: unknown) =>
          (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? true : undefined,
      ),
    'the Service refusing without endpoints',
  );

  // down -f of a file with the Service alone removes the Service (the pods stay untouched).
  const svcOnly = await env.manifest('svc.yaml', app.split('---')[0] ?? '');
  const down = await env.run(['down', '-f', svcOnly]);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'service/web removed\n');
  await until(
    async () => (new RegExp(`table ip ${table}\\b`).test(await nftTables()) ? undefined : true),
    'the table removed with the last Service',
  );
});

test('bad Services: a targetPort name no selected container has is refused with nothing created; a Service selecting no pod is applied with a warning', async (t) => {
  const env = await cliTestEnv(t);
  const typo = await env.manifest('typo.yaml', app.replace('targetPort: http', 'targetPort: htp'));
  const refused = await env.run(['up', '-d', '-f', typo]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.err(),
    /Service default\/web \(.*typo\.yaml:1\): port http targets the port name "htp" \(TCP\), which no container of the pods it selects has \(web-1: http\/TCP\)/,
  );
  assert.match(refused.err(), /hint: name the container port/);
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);
  const { readdir } = await import('node:fs/promises');
  assert.deepEqual(await readdir(`${env.root}/services`).catch(() => []), []);

  // The same for the pods a Deployment of the file will make (its template).
  const deploy = await env.manifest(
    'deploy-typo.yaml',
    `apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: htp}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: c
          image: busybox:test
          command: [sleep, '1000']
          ports: [{name: http, containerPort: 8080}]
`,
  );
  const refusedDeploy = await env.run(['up', '-d', '-f', deploy]);
  assert.equal(refusedDeploy.code, 1, refusedDeploy.out());
  assert.match(
    refusedDeploy.err(),
    /Service default\/api \(.*deploy-typo\.yaml:1\): port http targets the port name "htp" \(TCP\), which no container of the pods it selects has \(deployment\/api: http\/TCP\)/,
  );
  assert.deepEqual(await readdir(`${env.root}/services`).catch(() => []), []);
  assert.deepEqual(await readdir(`${env.root}/workloads`).catch(() => []), []);
  assert.match((await env.run(['ps', '-a'])).err(), /^No pods\.\n$/);

  const lonely = await env.manifest(
    'lonely.yaml',
    (app.split('---')[0] ?? '').replace('app: web', 'app: nobody'),
  );
  const applied = await env.run(['up', '-d', '-f', lonely]);
  assert.equal(applied.code, 0, applied.err());
  assert.match(applied.out(), /^service\/web applied \(ClusterIP 10\.96\.\d+\.\d+\)$/m);
  assert.match(
    applied.err(),
    /warning: service\/web selects no pod \(app=nobody\): it has no endpoints until one runs/,
  );
  const down = await env.run(['down', '-f', lonely]);
  assert.equal(down.code, 0, down.err());
});
