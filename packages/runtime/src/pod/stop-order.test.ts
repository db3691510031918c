import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { podStarted } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { findPodRecord } from './pod-store.js';
import { hostDir, podTestEnv, readMarks, UPTIME, startupSidecar } from './test-pod-env.js';

test('down: init1 → sidecar (3 s startupProbe) → init2 → main; main stopped first, then the sidecars in reverse order', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: stop-order }
spec:
  terminationGracePeriodSeconds: 10
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  initContainers:
    - name: init1
      image: busybox:test
      command: [sh, -c, 'echo init1 ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
${startupSidecar('sc1', 3)}
    - name: init2
      image: busybox:test
      command: [sh, -c, 'echo init2 ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
${startupSidecar('sc2', 0)}
  containers:
    - name: main
      image: busybox:test
      command:
        - sh
        - -c
        - |
          trap 'echo main-stop-begin ${UPTIME} >> /w/log; sleep 1; echo main-stop-end ${UPTIME} >> /w/log; exit 0' TERM
          echo main ${UPTIME} >> /w/log
          while :; do sleep 0.1; done
      volumeMounts: [{ name: w, mountPath: /w }]
`);
  await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 60_000 });
  const log = path.join(dir, 'log');
  // Running: the order of starts. Running means main's process exists; its first line may
  // still be on its way to the file.
  let started = await readMarks(log);
  for (let i = 0; i < 200 && !started.some((m) => m.what === 'main'); i++) {
    await new Promise((r) => setTimeout(r, 25));
    started = await readMarks(log);
  }
  const at = (w: string): number => started.find((m) => m.what === w)?.at ?? NaN;
  assert.deepEqual(
    started.map((m) => m.what),
    ['init1', 'sc1-start', 'init2', 'sc2-start', 'main'],
    JSON.stringify(started),
  );
  // init2 waited for sc1's startupProbe (sc1 is startable 3 s after it started).
  assert.ok(at('init2') - at('sc1-start') >= 2.9, JSON.stringify(started));

  // An explicit down (what `podkit down` calls): main first — its slow TERM handler finishes
  // before any sidecar gets SIGTERM — then sc2, then sc1.
  await runtime.remove('default', 'stop-order', { timeoutMs: 60_000 });
  assert.equal(await findPodRecord(layout, 'stop-order'), undefined, 'down removed the pod');
  const all = (await readMarks(log)).map((m) => m.what);
  assert.deepEqual(
    all.slice(5),
    ['main-stop-begin', 'main-stop-end', 'sc2-stop', 'sc1-stop'],
    all.join(' '),
  );
});
