import { access, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotHostResources } from '../sandbox/index.js';
import { loadPodNetwork } from './network-config.js';
import { containerLogPath, podStarted } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { podTestEnv } from './test-pod-env.js';

// A pod's first containers are created (`runc create`) while its network is added, and
// started once it is (pod-worker.ts #precreate).

const TWO = `apiVersion: v1
kind: Pod
metadata: {name: early}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: one
    image: busybox:test
    command: [sh, -c, 'ip -4 -o addr show eth0; grep -c early /etc/hosts; sleep 60']
  - name: two
    image: busybox:test
    command: [sleep, '60']
`;

test('containers created during the CNI ADD see the network and the IP in /etc/hosts at their first instruction', async (t) => {
  const { layout, runtime, up } = await podTestEnv(t);
  const rec = await up(TWO);
  const running = await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 30_000 });
  assert.equal(running.status.phase, 'Running', JSON.stringify(running.status));
  const ip = running.status.podIP ?? '';
  assert.match(ip, /^10\.89\./);
  const log = containerLogPath(layout, rec.uid, 'one');
  let text = '';
  for (let i = 0; i < 200 && !/F \d+\n/.test(text.split(ip)[1] ?? ''); i++) {
    text = await readFile(log, 'utf8').catch(() => '');
    await new Promise((r) => setTimeout(r, 25));
  }
  // The address was on eth0 and the pod's line in /etc/hosts when the process began.
  assert.match(text, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`), text);
  assert.match(text, /F 1\n/, text);
  await runtime.remove('default', 'early');
});

test('a pod whose network cannot be added fails, and the containers created meanwhile are removed', async (t) => {
  const { layout, up } = await podTestEnv(t);
  // The CNI plugins, with a bridge that refuses ADD (and deletes as the real one does).
  const netFile = path.join(layout.root, 'network.json');
  const real = await loadPodNetwork(layout);
  const pluginDir = path.join(layout.root, 'cni-plugins');
  await mkdir(pluginDir);
  for (const name of await readdir(real.pluginDir))
    await symlink(path.join(real.pluginDir, name), path.join(pluginDir, name));
  await rm(path.join(pluginDir, 'bridge'));
  await writeFile(
    path.join(pluginDir, 'bridge'),
    `#!/bin/sh\nif [ "$CNI_COMMAND" = ADD ]; then sleep 0.3; echo '{"cniVersion":"1.0.0","code":11,"msg":"refused by the test"}'; exit 1; fi\nexec ${real.pluginDir}/bridge\n`,
    { mode: 0o755 },
  );
  const override = JSON.parse(await readFile(netFile, 'utf8')) as Record<string, unknown>;
  await writeFile(netFile, JSON.stringify({ ...override, pluginDir }));
  const network = await loadPodNetwork(layout);
  const before = await snapshotHostResources(layout, network);

  const rec = await up(TWO);
  const ended = await waitForPod(layout, rec.uid, (r) => r.released, {
    timeoutMs: 30_000,
  });
  assert.equal(ended.status.phase, 'Failed');
  assert.match(ended.status.message ?? '', /refused by the test/);
  for (const s of ended.status.containerStatuses) {
    assert.equal(s.containerID, undefined, `${s.name} never started`);
  }
  // conmon opened each container's log: both were created while the ADD ran (its 0.3 s).
  for (const name of ['one', 'two']) {
    await access(containerLogPath(layout, rec.uid, name));
  }
  // No conmon, runc container, cgroup, mount, netns or lease is left.
  assert.deepEqual(await snapshotHostResources(layout, network), before);
});
