import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { waitForPod } from './wait-for-pod.js';
import { readPodEvents } from './pod-store.js';
import { containerStatus, hostDir, podTestEnv, readMarks, UPTIME } from './test-pod-env.js';

test('crash loop: restarts follow the scaled backoff (0, base, 2×base, 4×base…), reset after a clean run', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  // Starts 1-4 crash at once; start 5 runs 1.5 s (longer than the 1 s reset window), then
  // crashes; start 6 must then come without delay (the backoff was reset).
  const rec = await up(
    `
apiVersion: v1
kind: Pod
metadata: { name: crashy }
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
          echo start ${UPTIME} >> /w/log
          n=$(wc -l < /w/log)
          if [ "$n" = 5 ]; then sleep 1.5; fi
          if [ "$n" -ge 6 ]; then trap 'exit 0' TERM; while :; do sleep 0.1; done; fi
          exit 1
      volumeMounts: [{ name: w, mountPath: /w }]
`,
    { backoff: { baseMs: 300, capMs: 3000, resetAfterMs: 1000 } },
  );
  let sawBackOff = false;
  const r = await waitForPod(
    layout,
    rec.uid,
    (x) => {
      const st = containerStatus(x, 'app');
      if (st?.state.waiting?.reason === 'CrashLoopBackOff') sawBackOff = true;
      return (st?.restartCount ?? 0) >= 5 && st?.state.running !== undefined;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  assert.ok(sawBackOff, 'the status showed CrashLoopBackOff between starts');
  const app = containerStatus(r, 'app');
  assert.equal(app?.restartCount, 5);
  assert.equal(app.lastState.terminated?.exitCode, 1);
  assert.equal(app.lastState.terminated.reason, 'Error');
  // "Running" comes from runc before the shell's first line ran: wait for the 6th mark.
  let marks = await readMarks(path.join(dir, 'log'));
  for (let i = 0; i < 500 && marks.length < 6; i++) {
    await new Promise((res) => setTimeout(res, 20));
    marks = await readMarks(path.join(dir, 'log'));
  }
  const starts = marks.map((m) => m.at);
  const gaps = starts.slice(1).map((s, i) => Math.round((s - (starts[i] ?? 0)) * 1000));
  t.diagnostic(`gaps between starts (ms): ${gaps.join(', ')}`);
  // Lower bounds only (the delay is a minimum; 20 ms for /proc/uptime's 10 ms resolution).
  const scheduled = [0, 300, 600, 1200];
  scheduled.forEach((d, i) => {
    assert.ok((gaps[i] ?? 0) >= d - 20, `gap ${i + 1} ≥ ${d} ms: ${gaps.join(', ')}`);
  });
  // Without the reset the 6th start would wait 1.5 s + 2.4 s; with it, 1.5 s + start time.
  assert.ok((gaps[4] ?? 0) >= 1480, gaps.join(', '));
  assert.ok((gaps[4] ?? 0) < 3400, `backoff reset after a clean run: ${gaps.join(', ')}`);
  const backoffs = (await readPodEvents(layout, rec.uid)).filter((e) => e.reason === 'BackOff');
  assert.equal(backoffs.length, 3, 'BackOff events for the delayed restarts only');
});

test('a container whose command does not exist: StartError, RunContainerError with backoff, retried', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(
    `
apiVersion: v1
kind: Pod
metadata: { name: nocmd }
spec:
  containers:
    - name: app
      image: busybox:test
      command: [/no/such/binary]
`,
    { backoff: { baseMs: 200, capMs: 400 } },
  );
  let sawReason = false;
  const r = await waitForPod(
    layout,
    rec.uid,
    (x) => {
      const st = containerStatus(x, 'app');
      if (st?.state.waiting?.reason === 'RunContainerError') sawReason = true;
      return (st?.restartCount ?? 0) >= 3;
    },
    { timeoutMs: 60_000, intervalMs: 10 },
  );
  assert.ok(sawReason);
  const app = containerStatus(r, 'app');
  assert.equal(app?.lastState.terminated?.reason, 'StartError');
  assert.equal(app.lastState.terminated.exitCode, 128);
  assert.match(app.lastState.terminated.message ?? '', /no such file|not found/i);
  assert.notEqual(r.status.phase, 'Failed', 'retried, not failed');
});
