import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotHostResources } from '../sandbox/index.js';
import { loadPodNetwork } from './network-config.js';
import { podStarted } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { podTestEnv } from './test-pod-env.js';
import { freeHostPort } from '../testing/host-port.js';

// A pod that holds every kind of resource: netns + veth + lease + hostPort rules, a tmpfs
// volume, a secret (tmpfs), two containers with overlay rootfs and cgroups.
const manifest = (hostPort: number): string => `
apiVersion: v1
kind: Secret
metadata: { name: s }
stringData: { k: v }
---
apiVersion: v1
kind: Pod
metadata: { name: cycle }
spec:
  terminationGracePeriodSeconds: 5
  volumes:
    - { name: mem, emptyDir: { medium: Memory, sizeLimit: 1Mi } }
    - { name: s, secret: { secretName: s } }
  containers:
    - name: a
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
      ports: [{ containerPort: 80, hostPort: ${hostPort} }]
      volumeMounts: [{ name: mem, mountPath: /mem }, { name: s, mountPath: /s }]
    - name: b
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
`;

const CYCLES = 100;

test(`${CYCLES} up/down cycles return the machine to what it was`, async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const network = await loadPodNetwork(layout);
  const before = await snapshotHostResources(layout, network);
  const hostPort = await freeHostPort();
  for (let i = 0; i < CYCLES; i++) {
    const rec = await up(manifest(hostPort));
    const running = await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 30_000 });
    assert.equal(running.status.phase, 'Running', JSON.stringify(running.status));
    if (i === 0) {
      const during = await snapshotHostResources(layout, network);
      assert.equal(during.netns.length, 1);
      assert.equal(during.veths.length, 1);
      assert.equal(during.leases.length, 1);
      assert.ok(during.mounts.length >= 7, `mounts while running: ${during.mounts.join(', ')}`);
      // The pod's ipc/uts are pinned by two mounts: no pause container, no conmon for it.
      for (const ns of ['ipc', 'uts']) {
        assert.ok(
          during.mounts.some((m) => m.endsWith(`/${rec.uid}/sandbox/ns/${ns}`)),
          `${ns} pin: ${during.mounts.join(', ')}`,
        );
      }
      assert.ok(during.runcContainers.length === 2, `runc: ${during.runcContainers.join(', ')}`);
      // Each container is held by its conmon.
      const conmons = [];
      for (const pid of during.processes) {
        const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (path.basename(argv.split('\0')[0] ?? '') === 'conmon') conmons.push(pid);
      }
      assert.equal(conmons.length, 2, `conmon processes: ${conmons.join(', ')}`);
    }
    await runtime.remove('default', 'cycle');
  }
  const after = await snapshotHostResources(layout, network);
  // The bridge itself stays (as with podman); everything per pod is gone: netns, veths, leases,
  // NAT rules, mounts, runc containers, cgroups, and processes (conmon, runc) of the root.
  assert.deepEqual(after, before);
  assert.deepEqual(await readdir(path.join(layout.root, 'exits')), [], 'no exit file is left');
});
