import { stat } from 'node:fs/promises';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLogs } from '../logs/cri-log-reader.js';
import { containerLogPath, readPodRecord, type PodRecord } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { podTestEnv, stopPodWorker } from './test-pod-env.js';
import type { StateLayout } from '../state/state-root.js';
import { loadSandbox } from '../sandbox/index.js';

/** A container's stdout lines (stderr holds the retry loop's "connection refused" noise). */
async function logText(layout: StateLayout, uid: string, container: string): Promise<string> {
  const lines: string[] = [];
  for await (const e of readLogs(containerLogPath(layout, uid, container)))
    if (e.stream === 'stdout') lines.push(e.line.toString('utf8'));
  return lines.join('\n');
}

function terminated(r: PodRecord, name: string): boolean {
  return r.status.containerStatuses.find((c) => c.name === name)?.state.terminated !== undefined;
}

test('two containers share the network, an emptyDir, IPC and the hostname', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: duo }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes: [{ name: shared, emptyDir: {} }]
  containers:
    - name: a
      image: busybox:test
      command: [sh, -c, 'echo from-a > /shared/index.html; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; exec httpd -f -p 8080 -h /shared']
      volumeMounts: [{ name: shared, mountPath: /shared }]
    - name: b
      image: busybox:test
      env: [{ name: POD_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }]
      command:
        - sh
        - -c
        - |
          for i in $(seq 1 100); do wget -qO- http://localhost:8080/index.html && break; sleep 0.05; done
          wget -qO- http://$POD_IP:8080/index.html
          hostname
          readlink /proc/self/ns/ipc
          readlink /proc/self/ns/uts
      volumeMounts: [{ name: shared, mountPath: /shared }]
`);
  const t0 = Date.now();
  const done = await waitForPod(layout, rec.uid, (r) => terminated(r, 'b'), { timeoutMs: 30_000 });
  t.diagnostic(`b done after ${Date.now() - t0} ms`);
  const b = done.status.containerStatuses.find((c) => c.name === 'b');
  assert.equal(b?.state.terminated?.exitCode, 0, JSON.stringify(done.status));
  assert.match(done.status.podIP ?? '', /^10\.89\.\d+\.\d+$/);
  const outA = await logText(layout, rec.uid, 'a');
  const outB = (await logText(layout, rec.uid, 'b')).split('\n');
  assert.deepEqual(outB.slice(0, 3), ['from-a', 'from-a', 'duo']);
  // Both containers are in the pod's IPC and UTS namespaces: those its sandbox pinned.
  const sb = await loadSandbox(layout, rec.uid);
  assert.equal(sb?.infra, 'pinned');
  const ipc = `ipc:[${String((await stat(sb.namespaces.ipc ?? '')).ino)}]`;
  const uts = `uts:[${String((await stat(sb.namespaces.uts ?? '')).ino)}]`;
  assert.deepEqual(outB.slice(3, 5), [ipc, uts]);
  assert.deepEqual(outA.split('\n').slice(0, 2), [ipc, uts]);
  const a = (await readPodRecord(layout, rec.uid))?.status.containerStatuses.find(
    (c) => c.name === 'a',
  );
  assert.ok(a?.state.running !== undefined, 'the server keeps running');
  await runtime.remove('default', 'duo');
  assert.equal(await readPodRecord(layout, rec.uid), undefined);
});

test('shareProcessNamespace: a pause is PID 1 and the containers see each other', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: shared-pid }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  shareProcessNamespace: true
  containers:
    - name: a
      image: busybox:test
      command: [sleep, '1001']
    - name: b
      image: busybox:test
      command:
        - sh
        - -c
        - |
          for i in $(seq 1 100); do ps | grep -q '[s]leep 1001' && break; sleep 0.05; done
          tr '\\0' ' ' < /proc/1/cmdline; echo
          ps | grep -c '[s]leep 1001'
          hostname
`);
  const done = await waitForPod(layout, rec.uid, (r) => terminated(r, 'b'), { timeoutMs: 30_000 });
  const b = done.status.containerStatuses.find((c) => c.name === 'b');
  assert.equal(b?.state.terminated?.exitCode, 0, JSON.stringify(done.status));
  assert.deepEqual((await logText(layout, rec.uid, 'b')).split('\n'), [
    '/catatonit -P ',
    '1',
    'shared-pid',
  ]);
  assert.equal((await loadSandbox(layout, rec.uid))?.infra, 'pause');
  await runtime.remove('default', 'shared-pid');
  assert.equal(await readPodRecord(layout, rec.uid), undefined);
});

test('a pod whose only container never started (StartError), then stopped, ends Failed', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: never }
spec:
  containers:
    - name: c
      image: busybox:test
      command: [/no/such/program]
`);
  // The start fails (exit 128, StartError); the container then waits to be retried.
  await waitForPod(
    layout,
    rec.uid,
    (r) => r.status.containerStatuses[0]?.lastState.terminated?.reason === 'StartError',
    { timeoutMs: 30_000 },
  );
  const stopped = await stopPodWorker(layout, rec.uid);
  assert.equal(stopped.status.phase, 'Failed', JSON.stringify(stopped.status));
});
