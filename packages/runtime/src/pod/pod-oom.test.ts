import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForPod } from './wait-for-pod.js';
import { containerStatus, podTestEnv } from './test-pod-env.js';

test('a container over its 16Mi memory limit is OOMKilled (exit 137), the pod Failed', async (t) => {
  const { layout, up } = await podTestEnv(t);
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: hog }
spec:
  restartPolicy: Never
  containers:
    - name: hog
      image: busybox:test
      # dd fills a 64 MiB buffer in memory: four times the limit. It starts after a moment:
      # the supervisor follows \`runc events\` for OOM only once the container runs, and an
      # OOM kill before that reads as a plain SIGKILL (Error, 137).
      command: [sh, -c, 'sleep 0.5; exec dd if=/dev/zero of=/dev/null bs=64M count=1']
      resources: { limits: { memory: 16Mi } }
    - name: calm
      image: busybox:test
      command: [sh, -c, 'dd if=/dev/zero of=/dev/null bs=1M count=1']
      resources: { limits: { memory: 16Mi } }
`);
  const done = await waitForPod(layout, rec.uid, (r) => r.released, { timeoutMs: 60_000 });
  const hog = containerStatus(done, 'hog')?.state.terminated;
  assert.equal(hog?.exitCode, 137, JSON.stringify(done.status));
  assert.equal(hog.reason, 'OOMKilled');
  assert.equal(containerStatus(done, 'calm')?.state.terminated?.reason, 'Completed');
  assert.equal(done.status.phase, 'Failed');
});
