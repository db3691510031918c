import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { waitForPod } from './wait-for-pod.js';
import { containerStatus, hostDir, podTestEnv, readMarks, UPTIME } from './test-pod-env.js';

const pod = (dir: string, policy: string, init2: string): string => `
apiVersion: v1
kind: Pod
metadata: { name: inits }
spec:
  restartPolicy: ${policy}
  terminationGracePeriodSeconds: 2
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  initContainers:
    - name: init1
      image: busybox:test
      command: [sh, -c, 'echo init1-start ${UPTIME} >> /w/log; sleep 0.5; echo init1-end ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
    - name: init2
      image: busybox:test
      command: [sh, -c, 'echo init2-start ${UPTIME} >> /w/log; ${init2}']
      volumeMounts: [{ name: w, mountPath: /w }]
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'echo main-start ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
`;

test('init containers run one at a time, in order, before the main container', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  const rec = await up(
    pod(dir, 'Never', 'sleep 0.3; echo init2-end $(cut -d" " -f1 /proc/uptime) >> /w/log'),
  );
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 60_000 });
  assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status));
  const marks = await readMarks(path.join(dir, 'log'));
  assert.deepEqual(
    marks.map((m) => m.what),
    ['init1-start', 'init1-end', 'init2-start', 'init2-end', 'main-start'],
  );
  for (let i = 1; i < marks.length; i++)
    assert.ok((marks[i]?.at ?? 0) >= (marks[i - 1]?.at ?? 0), JSON.stringify(marks));
  for (const name of ['init1', 'init2', 'main']) {
    const st = containerStatus(done, name);
    assert.equal(st?.state.terminated?.reason, 'Completed', name);
    assert.equal(st.state.terminated.exitCode, 0);
  }
  const cond = Object.fromEntries(done.status.conditions.map((c) => [c.type, c.status]));
  assert.equal(cond.Initialized, 'True');
  assert.equal(cond.Ready, 'False');
  assert.equal(done.status.conditions.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

test('a failing init container: Never fails the pod, OnFailure retries it', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const never = await hostDir(t);
  const failing = await up(pod(never, 'Never', 'exit 3'));
  const failed = await waitForPod(layout, failing.uid, (r) => r.released, { timeoutMs: 60_000 });
  assert.equal(failed.status.phase, 'Failed');
  assert.equal(failed.status.reason, 'InitContainerFailed');
  assert.match(failed.status.message ?? '', /init2 terminated with Error \(exit code 3\)/);
  assert.equal(containerStatus(failed, 'init2')?.restartCount, 0);
  assert.equal(containerStatus(failed, 'main')?.state.waiting?.reason, 'PodInitializing');
  assert.deepEqual(
    (await readMarks(path.join(never, 'log'))).map((m) => m.what),
    ['init1-start', 'init1-end', 'init2-start'],
  );

  // OnFailure: init2 fails once (no marker yet), then succeeds; init1 is not run again.
  const retry = await hostDir(t);
  const rec = await up(
    pod(retry, 'OnFailure', 'if [ -e /w/x ]; then exit 0; fi; touch /w/x; exit 1').replace(
      'name: inits',
      'name: inits2',
    ),
    { backoff: { baseMs: 100, capMs: 1000 } },
  );
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 60_000 });
  assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status));
  const init2 = containerStatus(done, 'init2');
  assert.equal(init2?.restartCount, 1);
  assert.equal(init2.lastState.terminated?.exitCode, 1);
  assert.equal(init2.lastState.terminated.reason, 'Error');
  assert.deepEqual(
    (await readMarks(path.join(retry, 'log'))).map((m) => m.what),
    ['init1-start', 'init1-end', 'init2-start', 'init2-start', 'main-start'],
  );
});
