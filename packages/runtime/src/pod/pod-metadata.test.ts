import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { PodChange } from '../node/node-runtime.js';
import { waitForPod } from './wait-for-pod.js';
import { containerStatus, hostDir, podTestEnv } from './test-pod-env.js';
import type { PodRecord } from './pod-store.js';

// NodeRuntime.updatePodMetadata: a running pod's labels and annotations change in place.

test('labels and annotations change while the container runs on, announced, in the downward API volume', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  // The container copies the downward API file to the host every 0.1 s: what it sees.
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
  annotations: { note: one }
spec:
  terminationGracePeriodSeconds: 1
  volumes:
    - { name: w, hostPath: { path: ${dir}, type: Directory } }
    - name: podinfo
      downwardAPI:
        items:
          - { path: labels, fieldRef: { fieldPath: metadata.labels } }
          - { path: meta/annotations, fieldRef: { fieldPath: metadata.annotations } }
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do cat /etc/podinfo/labels > /w/.seen; mv /w/.seen /w/seen; sleep 0.1; done']
      volumeMounts:
        - { name: w, mountPath: /w }
        - { name: podinfo, mountPath: /etc/podinfo }
`);
  const running = await waitForPod(
    layout,
    rec.uid,
    (x) => containerStatus(x, 'app')?.state.running !== undefined,
    { timeoutMs: 60_000 },
  );
  const before = containerStatus(running, 'app');
  const seen = (): Promise<string> => readFile(path.join(dir, 'seen'), 'utf8').catch(() => '');
  await waitUntil(async () => (await seen()) === 'app="web"', 'the first labels file');

  const changes: PodChange[] = [];
  const off = runtime.subscribe((c) => changes.push(c));
  t.after(off);
  const updated = await runtime.updatePodMetadata('default', 'web', {
    labels: { app: 'web', tier: 'x' },
    annotations: {},
  });
  assert.deepEqual(updated.pod.metadata.labels, { app: 'web', tier: 'x' });
  assert.deepEqual(updated.pod.metadata.annotations, {});
  // Announced before the call resolved, and on disk.
  const announced = changes.find(
    (c): c is Extract<PodChange, { type: 'changed' }> =>
      c.type === 'changed' && c.record.pod.metadata.labels.tier === 'x',
  );
  assert.ok(announced, 'the change was announced');
  const onDisk = await runtime.require('default', 'web');
  assert.deepEqual(onDisk.pod.metadata.labels, { app: 'web', tier: 'x' });
  assert.deepEqual(onDisk.pod.metadata.annotations, {});
  // The container was not touched: same attempt, same start, no restart.
  const after = containerStatus(onDisk, 'app');
  assert.equal(after?.containerID, before?.containerID);
  assert.equal(after?.state.running?.startedAt, before?.state.running?.startedAt);
  assert.equal(after?.restartCount, 0);
  assert.equal(onDisk.status.phase, 'Running');
  // The downward API files, on the host and as the container sees them.
  const volume = path.join(layout.podDir(rec.uid), 'volumes', 'podinfo');
  assert.equal(await readFile(path.join(volume, 'labels'), 'utf8'), 'app="web"\ntier="x"');
  assert.equal(await readFile(path.join(volume, 'meta', 'annotations'), 'utf8'), '');
  await waitUntil(
    async () => (await seen()) === 'app="web"\ntier="x"',
    'the container to see the new labels',
  );
});

test('a status write racing metadata updates: every write keeps both', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  // `blink` exits every 0.05 s and is restarted at once: the worker saves its status all the
  // time while the labels change.
  const rec = await up(
    `
apiVersion: v1
kind: Pod
metadata: { name: busy, labels: { app: busy } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - { name: app, image: busybox:test, command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done'] }
    - { name: blink, image: busybox:test, command: [sh, -c, 'sleep 0.05'] }
`,
    { backoff: { baseMs: 1, capMs: 1 } },
  );
  await waitForPod(layout, rec.uid, (x) => (containerStatus(x, 'blink')?.restartCount ?? 0) >= 1, {
    timeoutMs: 60_000,
  });
  const seen: PodRecord[] = [];
  const off = runtime.subscribe((c) => {
    if (c.type === 'changed' && c.record.uid === rec.uid) seen.push(c.record);
  });
  t.after(off);
  const rounds = 20;
  for (let i = 1; i <= rounds; i++) {
    const resolvedAt = seen.length;
    const r = await runtime.updatePodMetadata('default', 'busy', {
      labels: { app: 'busy', round: String(i) },
      annotations: { round: String(i) },
    });
    assert.equal(r.pod.metadata.labels.round, String(i));
    // Announced with this call (not later by some status write).
    assert.ok(seen.slice(resolvedAt).some((x) => x.pod.metadata.labels.round === String(i)));
    // Spread over about a second: blink's exits and restarts fall between the updates.
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 60));
  }
  // Status writes came between the updates (the race was run, not avoided).
  const during = new Set(seen.map((x) => containerStatus(x, 'blink')?.restartCount));
  t.diagnostic(
    `${seen.length} writes during ${rounds} updates, restart counts ${[...during].join(' ')}`,
  );
  assert.ok(seen.length > rounds && during.size > 1, 'status writes interleaved with the updates');
  // More status writes after the last update.
  const restarts = containerStatus(seen.at(-1) ?? rec, 'blink')?.restartCount ?? 0;
  await waitForPod(
    layout,
    rec.uid,
    (x) => (containerStatus(x, 'blink')?.restartCount ?? 0) >= restarts + 3,
    { timeoutMs: 60_000 },
  );
  // In the order announced: the round never goes back (no status write lost a label change)
  // and the restart count never goes back (no label change lost a status write).
  let round = 0;
  let count = 0;
  for (const x of seen) {
    const r = Number(x.pod.metadata.labels.round ?? '0');
    assert.ok(r >= round, `labels went back from round ${round} to ${r}`);
    round = r;
    assert.equal(x.pod.metadata.annotations.round, x.pod.metadata.labels.round);
    const c = containerStatus(x, 'blink')?.restartCount ?? 0;
    assert.ok(c >= count, `restartCount went back from ${count} to ${c}`);
    count = c;
  }
  const last = await runtime.require('default', 'busy');
  assert.equal(last.pod.metadata.labels.round, String(rounds));
  assert.equal(last.pod.metadata.annotations.round, String(rounds));
  assert.ok((containerStatus(last, 'blink')?.restartCount ?? 0) >= restarts + 3);
  assert.equal(containerStatus(last, 'app')?.restartCount, 0);
});

test('a released pod refuses with POD_RELEASED; an unknown one with POD_NOT_FOUND', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: done, labels: { app: done } }
spec:
  restartPolicy: Never
  containers: [{ name: app, image: busybox:test, command: ['true'] }]
`);
  await waitForPod(layout, rec.uid, (x) => x.released, { timeoutMs: 60_000 });
  await assert.rejects(
    runtime.updatePodMetadata('default', 'done', { labels: { app: 'x' }, annotations: {} }),
    (err: unknown) =>
      err instanceof PodkitError &&
      err.code === RuntimeErrorCode.POD_RELEASED &&
      /has ended and was released/.test(err.message),
  );
  assert.deepEqual((await runtime.require('default', 'done')).pod.metadata.labels, {
    app: 'done',
  });
  await assert.rejects(
    runtime.updatePodMetadata('default', 'nope', { labels: {}, annotations: {} }),
    (err: unknown) => err instanceof PodkitError && err.code === RuntimeErrorCode.POD_NOT_FOUND,
  );
});

test('a terminating pod still takes the change (as in Kubernetes)', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  // It ignores SIGTERM: it stays terminating for its 30 s grace (the test kills it after).
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: slow, labels: { app: slow } }
spec:
  terminationGracePeriodSeconds: 30
  containers:
    - { name: app, image: busybox:test, command: [sh, -c, 'trap "" TERM; while :; do sleep 0.1; done'] }
`);
  await waitForPod(layout, rec.uid, (x) => containerStatus(x, 'app')?.state.running !== undefined, {
    timeoutMs: 60_000,
  });
  runtime.stop(rec.uid);
  await waitForPod(layout, rec.uid, (x) => x.deletionTimestamp !== undefined, {
    timeoutMs: 10_000,
  });
  const updated = await runtime.updatePodMetadata('default', 'slow', {
    labels: { app: 'slow', drained: 'yes' },
    annotations: {},
  });
  assert.equal(updated.pod.metadata.labels.drained, 'yes');
  assert.notEqual(updated.deletionTimestamp, undefined);
  const onDisk = await runtime.require('default', 'slow');
  assert.equal(onDisk.pod.metadata.labels.drained, 'yes');
  assert.equal(onDisk.released, false);
});

async function waitUntil(pred: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
