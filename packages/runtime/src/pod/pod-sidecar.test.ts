import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { waitForPod } from './wait-for-pod.js';
import { readPodEvents } from './pod-store.js';
import {
  containerStatus,
  hostDir,
  podTestEnv,
  readMarks,
  UPTIME,
  startupSidecar,
} from './test-pod-env.js';

// A sidecar that becomes "started" only once its startupProbe sees /tmp/started (after ~1.5 s)
// and records its stop (SIGTERM → exit 143, as a shell killed by TERM would).

test('sidecars: the next container waits until the sidecar started; stopped after main, in reverse order; pod Succeeded', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const dir = await hostDir(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: sidecars }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  initContainers:
    - name: init1
      image: busybox:test
      command: [sh, -c, 'echo init1 ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
${startupSidecar('s1', 1.5, { markStartable: true })}
    - name: init2
      image: busybox:test
      command: [sh, -c, 'echo init2 ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
${startupSidecar('s2', 0, { markStartable: true })}
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'echo main-start ${UPTIME} >> /w/log; sleep 0.5; echo main-end ${UPTIME} >> /w/log']
      volumeMounts: [{ name: w, mountPath: /w }]
`);
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 60_000 });
  const marks = await readMarks(path.join(dir, 'log'));
  const order = marks.map((m) => m.what);
  const at = (w: string): number => marks.find((m) => m.what === w)?.at ?? NaN;
  assert.deepEqual(order.slice(0, 3), ['init1', 's1-start', 's1-startable'], order.join(' '));
  assert.ok(at('init2') >= at('s1-startable'), 'init2 waited for the startupProbe of s1');
  assert.ok(at('main-start') >= at('s2-startable'));
  // Shutdown after the main container completed: s2, then s1 (reverse order).
  assert.deepEqual(order.slice(-3), ['main-end', 's2-stop', 's1-stop'], order.join(' '));
  // Sidecars exiting 143 at shutdown do not fail the pod.
  assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status));
  assert.equal(containerStatus(done, 's1')?.state.terminated?.exitCode, 143);
  assert.equal(containerStatus(done, 's1')?.restartCount, 0);
  assert.equal(containerStatus(done, 'main')?.state.terminated?.reason, 'Completed');
  const kills = (await readPodEvents(layout, rec.uid))
    .filter((e) => e.reason === 'Killing')
    .map((e) => e.object);
  assert.deepEqual(kills, ['spec.initContainers{s2}', 'spec.initContainers{s1}']);
});
