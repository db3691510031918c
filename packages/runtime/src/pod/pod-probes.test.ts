import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForPod } from './wait-for-pod.js';
import { readPodEvents, type PodRecord } from './pod-store.js';
import type { PodEvent } from './pod-status.js';
import { containerStatus, hostDir, podTestEnv, readMarks, UPTIME } from './test-pod-env.js';

const cond = (r: PodRecord, type: string): string | undefined =>
  r.status.conditions.find((c) => c.type === type)?.status;

test('liveness failure kills and restarts the container (Unhealthy, Killing, restartCount)', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(
    `
apiVersion: v1
kind: Pod
metadata: { name: live }
spec:
  terminationGracePeriodSeconds: 30
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "exit 1" TERM; touch /tmp/healthy; sleep 1; rm /tmp/healthy; while :; do sleep 0.1; done']
      livenessProbe:
        exec: { command: [cat, /tmp/healthy] }
        periodSeconds: 1
        failureThreshold: 2
        terminationGracePeriodSeconds: 1
`,
    { backoff: { baseMs: 100, capMs: 200 } },
  );
  const r = await waitForPod(
    layout,
    rec.uid,
    (x) => (containerStatus(x, 'app')?.restartCount ?? 0) >= 2,
    { timeoutMs: 60_000 },
  );
  const app = containerStatus(r, 'app');
  assert.equal(app?.lastState.terminated?.exitCode, 1, 'stopped by SIGTERM (trap → exit 1)');
  const events = await readPodEvents(layout, rec.uid);
  const unhealthy = events.filter((e) => e.reason === 'Unhealthy');
  assert.ok(unhealthy.length >= 4, `two failures per kill: ${unhealthy.length}`);
  assert.match(
    unhealthy[0]?.message ?? '',
    /^Liveness probe failed: cat: can't open '\/tmp\/healthy'/,
  );
  assert.ok(
    events.some(
      (e) =>
        e.reason === 'Killing' &&
        e.message === 'Container app failed liveness probe, will be restarted',
    ),
  );
});

test('startupProbe holds liveness/readiness back; readiness toggles Ready without restarts', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: ready }
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  containers:
    - name: app
      image: busybox:test
      command:
        - sh
        - -c
        - |
          trap 'exit 0' TERM
          sleep 1.5; echo started ${UPTIME} >> /w/log; touch /tmp/started /tmp/ready
          while :; do sleep 0.1; done
      startupProbe:
        exec: { command: [test, -f, /tmp/started] }
        periodSeconds: 1
        failureThreshold: 20
      livenessProbe:
        exec: { command: [sh, -c, 'echo liveness ${UPTIME} >> /w/log'] }
        periodSeconds: 1
      readinessProbe:
        exec: { command: [sh, -c, 'echo readiness ${UPTIME} >> /w/log; test -f /tmp/ready'] }
        periodSeconds: 1
      volumeMounts: [{ name: w, mountPath: /w }]
`);
  const early = await waitForPod(
    layout,
    rec.uid,
    (x) => containerStatus(x, 'app')?.state.running !== undefined,
    { timeoutMs: 30_000, intervalMs: 10 },
  );
  assert.equal(
    containerStatus(early, 'app')?.started,
    false,
    'not started before the startupProbe',
  );
  assert.equal(cond(early, 'Ready'), 'False');
  const ready = await waitForPod(layout, rec.uid, (x) => cond(x, 'Ready') === 'True', {
    timeoutMs: 30_000,
  });
  assert.equal(containerStatus(ready, 'app')?.started, true);
  assert.equal(cond(ready, 'ContainersReady'), 'True');
  const marks = await readMarks(path.join(dir, 'log'));
  const started = marks.find((m) => m.what === 'started')?.at ?? NaN;
  const probed = marks.filter((m) => m.what !== 'started');
  assert.ok(probed.length > 0);
  for (const m of probed)
    assert.ok(m.at >= started, `${m.what} probe ran before startup: ${JSON.stringify(marks)}`);

  // Not ready → Ready False (container keeps running), ready again → True.
  const { runCommand } = await import('../host/run-command.js');
  const id = containerStatus(ready, 'app')?.containerID?.replace('runc://', '') ?? '';
  const exec = (cmd: string) =>
    runCommand(['runc', '--root', layout.runcRoot, 'exec', id, 'sh', '-c', cmd]);
  await exec('rm /tmp/ready');
  const notReady = await waitForPod(layout, rec.uid, (x) => cond(x, 'Ready') === 'False', {
    timeoutMs: 30_000,
  });
  assert.equal(containerStatus(notReady, 'app')?.ready, false);
  assert.equal(notReady.status.phase, 'Running');
  await exec('touch /tmp/ready');
  const again = await waitForPod(layout, rec.uid, (x) => cond(x, 'Ready') === 'True', {
    timeoutMs: 30_000,
  });
  assert.equal(containerStatus(again, 'app')?.restartCount, 0, 'readiness never restarts');
  const events = await readPodEvents(layout, rec.uid);
  assert.ok(
    events.some((e) => e.reason === 'Unhealthy' && e.message.startsWith('Readiness probe failed')),
  );
});

test('httpGet (named port), tcpSocket and grpc probes against real servers', async (t) => {
  const { layout, up } = await podTestEnv(t);
  // gRPC health server on the host; the hostNetwork pod probes it on 127.0.0.1.
  const server = http2.createServer();
  let checks = 0;
  server.on('stream', (stream) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      checks++;
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => {
        stream.sendTrailers({ 'grpc-status': '0' });
      });
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, 1]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      ),
  );
  const grpcPort = (server.address() as AddressInfo).port;

  const web = await up(`
apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: httpd
      image: busybox:test
      command: [sh, -c, 'mkdir /www; echo ok > /www/healthz; exec httpd -f -p 8080 -h /www']
      ports: [{ name: http-web, containerPort: 8080 }]
      readinessProbe:
        httpGet: { path: /healthz, port: http-web, httpHeaders: [{ name: X-Probe, value: "1" }] }
        periodSeconds: 1
      livenessProbe:
        tcpSocket: { port: 8080 }
        periodSeconds: 1
    - name: missing
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
      readinessProbe:
        httpGet: { path: /nope, port: 8080 }
        periodSeconds: 1
      livenessProbe:
        tcpSocket: { port: 9999 }
        periodSeconds: 1
        failureThreshold: 100
`);
  const grpc = await up(`
apiVersion: v1
kind: Pod
metadata: { name: grpc }
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
      readinessProbe:
        grpc: { port: ${grpcPort} }
        periodSeconds: 1
`);
  const g = await waitForPod(layout, grpc.uid, (x) => cond(x, 'Ready') === 'True', {
    timeoutMs: 30_000,
  });
  assert.equal(containerStatus(g, 'app')?.ready, true);
  assert.ok(checks >= 1);
  const w = await waitForPod(layout, web.uid, (x) => containerStatus(x, 'httpd')?.ready === true, {
    timeoutMs: 30_000,
  });
  assert.equal(containerStatus(w, 'missing')?.ready, false, '404 is not ready');
  assert.equal(cond(w, 'Ready'), 'False');
  // Both failures of "missing" show up within a few periods.
  let unhealthy: PodEvent[] = [];
  for (let i = 0; i < 200; i++) {
    unhealthy = (await readPodEvents(layout, web.uid)).filter((e) => e.reason === 'Unhealthy');
    const mine = unhealthy.filter((e) => e.object === 'spec.containers{missing}');
    if (
      mine.some((e) => /^Liveness probe failed: dial tcp [\d.]+:9999/.test(e.message)) &&
      // Before httpd listens, readiness fails with ECONNREFUSED: wait for the 404 itself.
      mine.some((e) => /^Readiness.*statuscode: 404/.test(e.message))
    )
      break;
    await sleep(50);
  }
  assert.ok(
    unhealthy.some(
      (e) => e.object === 'spec.containers{missing}' && /statuscode: 404/.test(e.message),
    ),
    JSON.stringify(unhealthy),
  );
  // tcpSocket: the closed port of "missing" fails (the open 8080 of httpd keeps it alive).
  assert.ok(
    unhealthy.some(
      (e) =>
        e.object === 'spec.containers{missing}' &&
        /^Liveness probe failed: dial tcp [\d.]+:9999: connect ECONNREFUSED/.test(e.message),
    ),
    JSON.stringify(unhealthy),
  );
  assert.equal(containerStatus(w, 'httpd')?.restartCount, 0);
});
