import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { podStarted } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { LEAVE_WAIT_MS } from './pod-worker.js';
import { readPodEvents } from './pod-store.js';
import {
  containerStatus,
  hostDir,
  podTestEnv,
  readMarks,
  stopPodWorker,
  UPTIME,
} from './test-pod-env.js';

test('postStart runs before the container counts as Running; preStop runs before SIGTERM', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: hooks }
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "echo term ${UPTIME} >> /w/log; exit 0" TERM; echo main ${UPTIME} >> /w/log; while :; do sleep 0.1; done']
      lifecycle:
        postStart:
          exec: { command: [sh, -c, 'sleep 1; echo poststart ${UPTIME} >> /w/log'] }
        preStop:
          exec: { command: [sh, -c, 'echo prestop ${UPTIME} >> /w/log; sleep 0.5; echo prestop-done ${UPTIME} >> /w/log'] }
      volumeMounts: [{ name: w, mountPath: /w }]
    - name: second
      image: busybox:test
      command: [sh, -c, 'echo second ${UPTIME} >> /w/log; trap "exit 0" TERM; while :; do sleep 0.1; done']
      volumeMounts: [{ name: w, mountPath: /w }]
`);
  const running = await waitForPod(
    layout,
    rec.uid,
    (r) => containerStatus(r, 'app')?.state.running !== undefined,
    { timeoutMs: 30_000 },
  );
  // The record says Running only after the hook wrote its line.
  assert.ok(
    (await readMarks(path.join(dir, 'log'))).some((m) => m.what === 'poststart'),
    'Running after postStart',
  );
  assert.equal(running.status.phase, 'Running');
  await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 30_000 });
  const stopped = await stopPodWorker(layout, rec.uid);
  const marks = await readMarks(path.join(dir, 'log'));
  const order = marks.map((m) => m.what).filter((w) => w !== 'second');
  assert.deepEqual(order, ['main', 'poststart', 'prestop', 'prestop-done', 'term']);
  const at = (w: string): number => marks.find((m) => m.what === w)?.at ?? NaN;
  assert.ok(at('second') >= at('poststart'), 'a blocking postStart delays the next container');
  assert.equal(containerStatus(stopped, 'app')?.state.terminated?.exitCode, 0);
});

test('a TERM-ignoring container is killed after its grace period; grace 0 skips preStop', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  const manifest = (name: string, grace: number): string => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: ${grace}
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  containers:
    - name: stubborn
      image: busybox:test
      command: [sh, -c, 'trap "echo ${name}-term-ignored >> /w/log" TERM; while :; do sleep 0.1; done']
      lifecycle:
        preStop:
          exec: { command: [sh, -c, 'echo ${name}-prestop ${UPTIME} >> /w/log'] }
      volumeMounts: [{ name: w, mountPath: /w }]
`;
  for (const [name, grace, minMs] of [
    ['grace3', 3, 2800],
    ['grace0', 0, 1800],
  ] as const) {
    const rec = await up(manifest(name, grace));
    await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 30_000 });
    const t0 = Date.now();
    const stopped = await stopPodWorker(layout, rec.uid);
    const took = Date.now() - t0;
    t.diagnostic(`${name}: stopped in ${took} ms`);
    const st = containerStatus(stopped, 'stubborn')?.state.terminated;
    assert.equal(st?.exitCode, 137, `${name} was SIGKILLed`);
    assert.ok(took >= minMs, `${name}: SIGKILL came only after the grace period (${took} ms)`);
    assert.ok(took < 20_000, `${name}: took ${took} ms`);
  }
  const log = await readFile(path.join(dir, 'log'), 'utf8');
  assert.match(log, /grace3-prestop/);
  assert.match(log, /grace3-term-ignored/);
  assert.doesNotMatch(log, /grace0-prestop/, 'grace 0 skips preStop');
  assert.match(log, /grace0-term-ignored/, 'grace 0 still sends SIGTERM first (2 s minimum)');
});

test('a failing postStart hook kills the container (FailedPostStartHook)', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: badhook }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "exit 143" TERM; while :; do sleep 0.1; done']
      lifecycle:
        postStart:
          exec: { command: [sh, -c, 'echo no-good; exit 3'] }
`);
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 60_000 });
  const app = containerStatus(done, 'app');
  assert.equal(app?.state.terminated?.exitCode, 143);
  assert.equal(app.state.terminated.startedAt, undefined, 'it never counted as Running');
  assert.equal(done.status.phase, 'Failed');
  const events = await readPodEvents(layout, rec.uid);
  const failed = events.find((e) => e.reason === 'FailedPostStartHook');
  assert.match(failed?.message ?? '', /Exec lifecycle hook .*exited with 3|no-good/);
  assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook'));
});

test('a graceful stop waits for beforeStop (deletion mark written) before preStop and SIGTERM; bounded; a forced stop does not wait', async (t) => {
  const dir = await hostDir(t);
  const log = path.join(dir, 'log');
  const uptime = async (): Promise<string> =>
    (await readFile('/proc/uptime', 'utf8')).split(' ')[0] ?? '';
  // The first stop's hook holds for 0.5 s, the second's never answers.
  let hold: 'briefly' | 'forever' = 'briefly';
  const seen: (string | undefined)[] = [];
  const { layout, runtime, up } = await podTestEnv(t, {
    beforeStop: async (r) => {
      seen.push(r.deletionTimestamp);
      await appendFile(log, `hook-begin ${await uptime()}\n`);
      if (hold === 'forever') return new Promise<void>(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await appendFile(log, `hook-end ${await uptime()}\n`);
    },
  });
  const pod = (name: string): string => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "echo term ${UPTIME} >> /w/log; exit 0" TERM; while :; do sleep 0.1; done']
      lifecycle:
        preStop:
          exec: { command: [sh, -c, 'echo prestop ${UPTIME} >> /w/log'] }
      volumeMounts: [{ name: w, mountPath: /w }]
`;
  const first = await up(pod('leaving'));
  await waitForPod(layout, first.uid, podStarted, { timeoutMs: 30_000 });
  await stopPodWorker(layout, first.uid);
  assert.equal(seen.length, 1);
  assert.ok(seen[0] !== undefined, 'the hook sees the deletion mark');
  const order = (await readMarks(log)).map((m) => m.what);
  assert.deepEqual(order, ['hook-begin', 'hook-end', 'prestop', 'term']);

  // A hook that never answers delays the stop by LEAVE_WAIT_MS at most.
  await writeFile(log, '');
  hold = 'forever';
  const second = await up(pod('bounded'));
  await waitForPod(layout, second.uid, podStarted, { timeoutMs: 30_000 });
  await stopPodWorker(layout, second.uid);
  const marks = await readMarks(log);
  assert.deepEqual(
    marks.map((m) => m.what),
    ['hook-begin', 'prestop', 'term'],
  );
  const waited = (marks[1]?.at ?? NaN) - (marks[0]?.at ?? NaN);
  assert.ok(waited >= 1.9 && waited < 6, `preStop ${waited}s after the hook began`);

  // A second stop request (force) does not wait for the hook.
  await writeFile(log, '');
  const third = await up(pod('forced'));
  await waitForPod(layout, third.uid, podStarted, { timeoutMs: 30_000 });
  const t0 = Date.now();
  runtime.stop(third.uid);
  runtime.stop(third.uid, { force: true });
  await waitForPod(layout, third.uid, (x) => x.released, { timeoutMs: 60_000 });
  assert.ok(Date.now() - t0 < LEAVE_WAIT_MS, `forced stop took ${Date.now() - t0} ms`);
});
