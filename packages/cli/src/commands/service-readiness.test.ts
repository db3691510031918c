import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { test } from 'node:test';
import { listPodRecords, type PodRecord } from '@podkit/runtime';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

/*
 * Issue 16's first Show point: a Deployment of 3 behind a ClusterIP Service, answered from a
 * client pod by `web`, `web.default` and `web.default.svc.cluster.local`, requests spread over
 * the 3; an endpoint whose readiness probe fails leaves the Service (and the headless Service's
 * DNS answer) and comes back when ready. How long each took is printed (a figure, not a
 * timing assertion).
 */

const app = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-pods}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: httpd
          image: busybox:test
          command: [sh, -c, 'touch /tmp/ready && mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{containerPort: 8080}]
          readinessProbe:
            exec: {command: [test, -f, /tmp/ready]}
            periodSeconds: 1
            failureThreshold: 1
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    # The host's filesystem as its image: node and glibc's resolver, which follows the pod's
    # search list and ndots:5 as any application's would (busybox's nslookup does not).
    - name: c
      image: example.com/podkit/host-client:1
      command: [sleep, '100000']
`;

/**
 * In the client pod: GET / of each URL on a new connection (node's fetch: getaddrinfo for the
 * name), one answer per line, or "failed URL: reason".
 */
const FETCH = `for (const u of process.argv.slice(1)) {
  try {
    const r = await fetch(u, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) });
    console.log((await r.text()).trim());
  } catch (e) { console.log('failed ' + u + ': ' + (e.cause?.code ?? e.message)); }
}`;

/** One request on a fresh connection (each one DNATed anew). */
function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve(body.trim());
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

test('a Deployment of 3 behind a ClusterIP: answered from a client pod by web, web.default and the FQDN, spread over the 3; an unready endpoint leaves the Service and its DNS answer, and comes back', async (t) => {
  const env = await cliTestEnv(t);
  const image = await env.run(['image', 'add', 'example.com/podkit/host-client:1', '--host']);
  assert.equal(image.code, 0, image.err());
  const file = await env.manifest('app.yaml', app);
  const up = await env.run(['up', '--wait', '--timeout', '120s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  const vip = /^service\/web applied \(ClusterIP (10\.96\.\d+\.\d+)\)$/m.exec(up.out())?.[1];
  assert.ok(vip !== undefined, up.out());
  const webPods = (await listPodRecords(env.layout)).filter(
    (r: PodRecord) => r.pod.metadata.labels.app === 'web',
  );
  assert.equal(webPods.length, 3);
  const names = new Set(webPods.map((r) => r.name));

  // From the client pod, by each of the Service's names (the pod's search list and ndots:5).
  const byName = env.spawn([
    'exec',
    'client',
    '--',
    'node',
    '--input-type=module',
    '-e',
    FETCH,
    'http://web/',
    'http://web.default/',
    'http://web.default.svc.cluster.local/',
  ]);
  assert.equal(byName.status, 0, byName.stderr);
  const answers = byName.stdout.trim().split('\n');
  assert.equal(answers.length, 3, byName.stdout);
  for (const a of answers)
    assert.ok(names.has(a), `${a} is not a web pod (${byName.stdout}${byName.stderr})`);

  // Spread: every pod answers within 60 requests from the client pod.
  const spread = env.spawn([
    'exec',
    'client',
    '--',
    'node',
    '--input-type=module',
    '-e',
    FETCH,
    ...Array.from({ length: 60 }, () => 'http://web/'),
  ]);
  assert.equal(spread.status, 0, spread.stderr);
  const counts = new Map<string, number>();
  for (const a of spread.stdout.trim().split('\n')) counts.set(a, (counts.get(a) ?? 0) + 1);
  t.diagnostic(`60 requests from the client pod: ${JSON.stringify(Object.fromEntries(counts))}`);
  assert.deepEqual([...counts.keys()].sort(), [...names].sort());

  // The headless Service's DNS answer: one address per Ready pod.
  const net = JSON.parse(await readFile(`${env.root}/network.json`, 'utf8')) as { subnet: string };
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([net.subnet.replace(/\.0\/24$/, '.1')]);
  const headless = async (): Promise<string[]> =>
    (await resolver.resolve4('web-pods.default.svc.cluster.local')).sort();
  const ips = webPods.map((r) => r.status.podIP ?? '').sort();
  assert.deepEqual(await headless(), ips);

  // 20 requests through the ClusterIP from the host: which pods answered.
  const answered = async (): Promise<Set<string>> => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(await httpGet(`http://${vip}/`));
    return seen;
  };

  // One pod's readiness probe fails: it leaves the Service and the DNS answer.
  const victim = webPods[0];
  assert.ok(victim !== undefined);
  const vip1 = victim.status.podIP ?? '';
  const unready = env.spawn(['exec', victim.name, '--', 'rm', '/tmp/ready']);
  assert.equal(unready.status, 0, unready.stderr);
  const t0 = Date.now();
  await until(
    async () => ((await headless()).includes(vip1) ? undefined : true),
    `${victim.name} gone from the DNS answer`,
    { timeoutMs: 30_000, stepMs: 50 },
  );
  const dnsGone = Date.now() - t0;
  await until(
    async () => ((await answered()).has(victim.name) ? undefined : true),
    `20 requests in a row without ${victim.name}`,
    { timeoutMs: 30_000, stepMs: 50 },
  );
  const serviceGone = Date.now() - t0;
  assert.deepEqual(await headless(), ips.filter((ip) => ip !== vip1).sort());
  assert.ok(!(await answered()).has(victim.name), 'the unready pod gets no request');

  // Ready again: back in both.
  const ready = env.spawn(['exec', victim.name, '--', 'touch', '/tmp/ready']);
  assert.equal(ready.status, 0, ready.stderr);
  const t1 = Date.now();
  await until(
    async () => ((await headless()).includes(vip1) ? true : undefined),
    `${victim.name} back in the DNS answer`,
    { timeoutMs: 30_000, stepMs: 50 },
  );
  const dnsBack = Date.now() - t1;
  await until(
    async () => ((await answered()).has(victim.name) ? true : undefined),
    `${victim.name} answering through the Service again`,
    { timeoutMs: 30_000, stepMs: 50 },
  );
  const serviceBack = Date.now() - t1;
  t.diagnostic(
    `unready (probe every 1 s): gone from DNS after ${dnsGone} ms, from the Service after ≤ ${serviceGone} ms; ready again: DNS ${dnsBack} ms, Service ≤ ${serviceBack} ms`,
  );
  assert.deepEqual(await headless(), ips);

  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
});
