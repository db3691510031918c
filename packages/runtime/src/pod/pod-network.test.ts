import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { runCommand } from '../host/run-command.js';
import { readLogs } from '../logs/cri-log-reader.js';
import { addImage } from '../images/image-store.js';
import { snapshotHostResources } from '../sandbox/index.js';

import type { StateLayout } from '../state/state-root.js';
import { AdmissionError } from './admission.js';
import { loadPodNetwork } from './network-config.js';
import { podStarted } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { containerLogPath, listPodRecords, type PodRecord } from './pod-store.js';
import { podTestEnv } from './test-pod-env.js';
import { freeHostPort } from '../testing/host-port.js';

async function logLines(layout: StateLayout, uid: string, container: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of readLogs(containerLogPath(layout, uid, container)))
    if (e.stream === 'stdout') lines.push(e.line.toString('utf8'));
  return lines;
}

/**
 * GETs `url` until it answers 2xx, for up to 30 s: a server in a pod takes a moment to listen,
 * much longer on a loaded machine. The error says what the host's NAT rules for the port were.
 */
async function fetchText(url: string): Promise<string> {
  let last: unknown;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return await res.text();
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = new URL(url).port;
  const nat = (await runCommand(['iptables-save', '-t', 'nat'])).stdout
    .split('\n')
    .filter((l) => l.includes(`--dport ${port}`) || l.includes('HOSTPORT-MASQ'))
    .join('\n');
  throw new Error(`${url}: ${String(last)}; NAT rules for the port:\n${nat}`, { cause: last });
}

const server = (name: string, port: number, body: string, hostPort?: number): string => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{ name: www, emptyDir: {} }]
  containers:
    - name: web
      image: busybox:test
      command: [sh, -c, 'echo ${body} > /www/index.html; exec httpd -f -p ${port} -h /www']
      ports: [{ containerPort: ${port}${hostPort === undefined ? '' : `, hostPort: ${hostPort}`} }]
      volumeMounts: [{ name: www, mountPath: /www }]
`;

test('two pods get distinct IPs and reach each other; a hostPort answers on 127.0.0.1', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const hostPort = await freeHostPort();
  const a = await up(server('pod-a', 8080, 'hello-from-a', hostPort));
  const ra = await waitForPod(layout, a.uid, podStarted, { timeoutMs: 30_000 });
  const b = await up(`
apiVersion: v1
kind: Pod
metadata: { name: pod-b }
spec:
  restartPolicy: Never
  containers:
    - name: client
      image: busybox:test
      command: [sh, -c, 'for i in $(seq 1 100); do wget -qO- http://${ra.status.podIP ?? ''}:8080/ && break; sleep 0.05; done; hostname -i']
`);
  const rb = await waitForPod(layout, b.uid, (r) => r.released, { timeoutMs: 30_000 });
  assert.equal(rb.status.phase, 'Succeeded', JSON.stringify(rb.status));
  assert.notEqual(ra.status.podIP, rb.status.podIP);
  const lines = await logLines(layout, b.uid, 'client');
  assert.equal(lines[0], 'hello-from-a');
  assert.equal(lines[1], rb.status.podIP);
  assert.equal((await fetchText(`http://127.0.0.1:${hostPort}/`)).trim(), 'hello-from-a');
});

test('nginx from a host image serves what a busybox container wrote into a shared emptyDir', async (t) => {
  const { layout, up } = await podTestEnv(t);
  await addImage(layout.root, {
    name: 'docker.io/library/nginx:1.22',
    source: { kind: 'host' },
    config: { entrypoint: ['nginx', '-g', 'daemon off; error_log stderr;'], stopSignal: 'SIGQUIT' },
  });
  const hostPort = await freeHostPort();
  const rec = await up(`
apiVersion: v1
kind: ConfigMap
metadata: { name: site }
data:
  default.conf: |
    server { listen 80; root /srv/www; access_log off; }
---
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  terminationGracePeriodSeconds: 3
  volumes:
    - { name: www, emptyDir: {} }
    - { name: conf, configMap: { name: site } }
  initContainers:
    - name: write
      image: busybox:test
      command: [sh, -c, 'echo written-by-busybox > /www/index.html']
      volumeMounts: [{ name: www, mountPath: /www }]
  containers:
    - name: nginx
      image: nginx:1.22
      ports: [{ containerPort: 80, hostPort: ${hostPort} }]
      volumeMounts:
        - { name: www, mountPath: /srv/www, readOnly: true }
        - { name: conf, mountPath: /etc/nginx/sites-enabled }
`);
  await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 30_000 });
  const body = await fetchText(`http://127.0.0.1:${hostPort}/`).catch(async (e: unknown) => {
    const r = await waitForPod(layout, rec.uid, () => true, { timeoutMs: 0 });
    throw new Error(
      `${String(e)}: ${JSON.stringify(r.status)} ${(await logLines(layout, rec.uid, 'nginx')).join('\n')}`,
    );
  });
  assert.equal(body.trim(), 'written-by-busybox');
});

test('admission lists every problem at once and creates nothing', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const network = await loadPodNetwork(layout);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        taken.close(() => {
          resolve();
        });
      }),
  );
  const addr = taken.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : 0;
  const before = await snapshotHostResources(layout, network);
  const err = await up(`
apiVersion: v1
kind: ConfigMap
metadata: { name: conf }
data: { present: "1" }
---
apiVersion: v1
kind: Pod
metadata: { name: bad }
spec:
  volumes: [{ name: c, configMap: { name: conf, items: [{ key: absent, path: a }] } }]
  containers:
    - { name: one, image: busybox:test, command: [sleep, '100'], ports: [{ containerPort: 80, hostPort: ${port} }] }
    - { name: two, image: example.com/missing:1.0, command: [sleep, '100'], volumeMounts: [{ name: c, mountPath: /c }] }
`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof AdmissionError, String(err));
  assert.equal(err.problems.length, 3, err.message);
  assert.match(err.message, /image "example\.com\/missing:1\.0" is not in the local image store/);
  assert.match(err.message, /configMap "conf" has no key "absent"/);
  assert.match(err.message, new RegExp(`hostPort ${port}/tcp`));
  assert.deepEqual(await listPodRecords(layout), []);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});

test('a pod name is unique in its namespace', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(server('same', 8080, 'x'));
  await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 30_000 });
  await assert.rejects(
    up(server('same', 8080, 'x')),
    (e: unknown) => e instanceof AdmissionError && /already exists/.test(e.message),
  );
  const records: PodRecord[] = await listPodRecords(layout);
  assert.equal(records.length, 1);
});
