import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Runc } from '../runc/runc.js';
import { snapshotHostResources } from '../sandbox/index.js';
import { isProcessAlive } from '../state/process-identity.js';
import { loadPodNetwork } from './network-config.js';
import { downPod, podStarted, waitForPod } from './pod-manager.js';
import { findPodRecord, listPodRecords, readPodRecord } from './pod-store.js';
import { containerStatus, podTestEnv } from './test-pod-env.js';

test('a SIGKILLed worker: the pod reads Unknown/WorkerLost, containers by runc state; down removes it all', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const network = await loadPodNetwork(layout);
  const before = await snapshotHostResources(layout, network);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: orphan }
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: a
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
    - name: b
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
`);
  const running = await waitForPod(
    layout,
    rec.uid,
    (r) => podStarted(r) && r.worker !== undefined,
    {
      timeoutMs: 30_000,
    },
  );
  assert.equal((await findPodRecord(layout, 'orphan'))?.status.phase, 'Running');
  const worker = running.worker;
  assert.ok(worker !== undefined);
  process.kill(worker.pid, 'SIGKILL');
  while (await isProcessAlive(worker)) await sleep(10);

  // b's container goes away behind the dead worker's back.
  const idB = containerStatus(running, 'b')?.containerID?.replace('runc://', '') ?? '';
  await new Runc({ root: layout.runcRoot }).kill(idB, 'SIGKILL');
  for (
    let i = 0;
    i < 100 && (await new Runc({ root: layout.runcRoot }).state(idB))?.status === 'running';
    i++
  )
    await sleep(20);

  const [lost] = await listPodRecords(layout);
  assert.equal(lost?.status.phase, 'Unknown');
  assert.equal(lost.status.reason, 'WorkerLost');
  assert.match(lost.status.message ?? '', /pod worker \(pid \d+\) is gone.*podkit down orphan/);
  assert.equal(lost.status.conditions.find((c) => c.type === 'Ready')?.status, 'False');
  const a = containerStatus(lost, 'a');
  assert.ok(a?.state.running !== undefined, 'a still runs, unsupervised');
  assert.equal(a.ready, false);
  const b = containerStatus(lost, 'b')?.state.terminated;
  assert.equal(b?.reason, 'ContainerStatusUnknown');
  assert.equal(b.exitCode, 137);
  // Observing writes nothing: the file is as the worker left it.
  assert.equal((await readPodRecord(layout, rec.uid))?.status.phase, 'Running');

  await downPod(layout, 'orphan');
  assert.deepEqual(await listPodRecords(layout), []);
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});
