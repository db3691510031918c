// The node agent's restart safety: `kill -9` of the agent stops no container; the next agent
// adopts every pod from its records, applies the restart policy to an exit that happened while
// no agent ran, and resumes probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  access,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentClient } from '@podkit/agent/client';
import type { PodRecord } from '@podkit/runtime';
import { cliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

/** Waits until `pred` holds (checked every 100 ms; the bound only guards against a hang). */
async function waitFor(
  what: string,
  pred: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  await until(async () => ((await pred()) ? true : undefined), what, { timeoutMs });
}

const steady = (name: string): string => `
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']
`;

function manifest(dir: string): string {
  return [
    steady('steady-a'),
    steady('steady-b'),
    `
apiVersion: v1
kind: Pod
metadata: { name: live }
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.2; done']
      volumeMounts: [{ name: w, mountPath: /w }]
      livenessProbe:
        exec: { command: [sh, -c, 'echo probe >> /w/probes'] }
        periodSeconds: 1
`,
    `
apiVersion: v1
kind: Pod
metadata: { name: crash }
spec:
  containers:
    - name: main
      image: busybox:test
      command: [sh, -c, 'exit 1']
`,
    `
apiVersion: v1
kind: Pod
metadata: { name: exits }
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{ name: w, hostPath: { path: ${dir}, type: Directory } }]
  containers:
    - name: main
      image: busybox:test
      # The first run waits for the test's word, then exits 3; later runs keep running.
      command: [sh, -c, 'if [ -f /w/ran ]; then while :; do sleep 0.2; done; fi; touch /w/ran; while [ ! -f /w/go ]; do sleep 0.05; done; exit 3']
      volumeMounts: [{ name: w, mountPath: /w }]
`,
  ].join('\n---\n');
}

const byName = (pods: readonly PodRecord[]): Map<string, PodRecord> =>
  new Map(pods.map((p) => [p.name, p]));

async function pods(client: AgentClient): Promise<Map<string, PodRecord>> {
  return byName((await client.call<{ items: PodRecord[] }>('GET', '/v1/pods')).items);
}

const main = (r: PodRecord | undefined): PodRecord['status']['containerStatuses'][number] => {
  const st = r?.status.containerStatuses[0];
  assert.ok(st !== undefined, `no status of ${r?.name ?? '?'}`);
  return st;
};

async function probeCount(dir: string): Promise<number> {
  return (await readFile(path.join(dir, 'probes'), 'utf8').catch(() => '')).split('\n').length - 1;
}

test('kill -9 of the agent: no container restarts, the next agent adopts every pod', async (t) => {
  const env = await cliTestEnv(t);
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-adopt-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = await env.manifest('five.yaml', manifest(dir));
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());

  const client = new AgentClient(env.root);
  const first = await client.info();
  // Steady state: everything runs, the probe ran, crash is in CrashLoopBackOff.
  await waitFor('the pods to settle', async () => {
    const p = await pods(client);
    return (
      ['steady-a', 'steady-b', 'live', 'exits'].every(
        (n) => main(p.get(n)).state.running !== undefined,
      ) &&
      main(p.get('crash')).state.waiting?.reason === 'CrashLoopBackOff' &&
      (await probeCount(dir)) >= 1 &&
      (await access(path.join(dir, 'ran')).then(
        () => true,
        () => false,
      ))
    );
  });
  const before = await pods(client);

  process.kill(first.pid, 'SIGKILL');
  await waitFor('the agent to be gone', async () => !(await client.alive()));
  // While no agent runs, `exits` ends: conmon records its status without anybody watching.
  const exitsId = main(before.get('exits')).containerID?.replace('runc://', '') ?? '';
  await rm(path.join(dir, 'probes'), { force: true });
  await writeFile(path.join(dir, 'go'), '');
  await waitFor('conmon to record the exit', () =>
    access(path.join(env.root, 'exits', exitsId)).then(
      () => true,
      () => false,
    ),
  );

  // Any command starts the next agent, which adopts the pods before it answers.
  const t0 = Date.now();
  const ps = await env.run(['ps', '-o', 'json']);
  const adoptMs = Date.now() - t0;
  assert.equal(ps.code, 0, ps.err());
  t.diagnostic(`ps answered ${adoptMs} ms after the agent was started again (with its start-up)`);
  const second = await client.info();
  assert.notEqual(second.pid, first.pid);
  const listed = (JSON.parse(ps.out()) as { pods: { name: string; status: string }[] }).pods;
  assert.deepEqual(listed.map((p) => p.name).sort(), [
    'crash',
    'exits',
    'live',
    'steady-a',
    'steady-b',
  ]);

  // No container restarted because of the kill: same containers, same start, no restart.
  const now = await pods(client);
  for (const n of ['steady-a', 'steady-b', 'live']) {
    const a = main(before.get(n));
    const b = main(now.get(n));
    assert.equal(b.restartCount, 0, `${n} restarted`);
    assert.deepEqual(b.state.running, a.state.running, `${n} is the same run`);
    assert.equal(now.get(n)?.status.phase, 'Running');
  }
  // crash keeps its back-off and its count (not reset by the new agent).
  assert.ok(main(now.get('crash')).restartCount >= main(before.get('crash')).restartCount);

  // The exit that happened while no agent ran is applied: restarted per restartPolicy Always.
  await waitFor('exits to be restarted', async () => {
    const e = main((await pods(client)).get('exits'));
    return e.restartCount === 1 && e.state.running !== undefined;
  });
  const exits = main((await pods(client)).get('exits'));
  const last = exits.lastState.terminated;
  assert.ok(last !== undefined, 'the exit is recorded as the last state');
  assert.equal(last.exitCode, 3);
  assert.equal(last.reason, 'Error');

  // The liveness probe runs again (it writes a line per run; the file was emptied meanwhile).
  await waitFor('the liveness probe to run again', async () => (await probeCount(dir)) >= 2);

  // crash goes on crash-looping under the new agent.
  const crashBefore = main(now.get('crash')).restartCount;
  await waitFor(
    'crash to be restarted by the new agent',
    async () => {
      return main((await pods(client)).get('crash')).restartCount > crashBefore;
    },
    60_000,
  );
});

test('kill -9 of the agent while it sets a pod up: the next agent sets the pod up again', async (t) => {
  const env = await cliTestEnv(t);
  // A bridge plugin whose ADD holds on for 3 s after adding (the agent is killed meanwhile);
  // DEL is the real one's.
  const pluginDir = path.join(env.root, 'cni-plugins');
  const marker = path.join(env.root, 'cni-add-began');
  await mkdir(pluginDir);
  for (const name of await readdir('/usr/lib/cni'))
    await symlink(path.join('/usr/lib/cni', name), path.join(pluginDir, name));
  await rm(path.join(pluginDir, 'bridge'));
  await writeFile(
    path.join(pluginDir, 'bridge'),
    `#!/bin/sh\nif [ "$CNI_COMMAND" != ADD ]; then exec /usr/lib/cni/bridge; fi\nout=$(/usr/lib/cni/bridge) || { echo "$out"; exit 1; }\n[ -f ${marker} ] && { echo "$out"; exit 0; }\ntouch ${marker}\nsleep 3\necho "$out"\n`,
    { mode: 0o755 },
  );
  const netFile = path.join(env.root, 'network.json');
  const net = JSON.parse(await readFile(netFile, 'utf8')) as Record<string, unknown>;
  await writeFile(netFile, JSON.stringify({ ...net, pluginDir }));
  const file = await env.manifest(
    'slow.yaml',
    `
apiVersion: v1
kind: ConfigMap
metadata: { name: words }
data: { word: kept }
---
apiVersion: v1
kind: Pod
metadata: { name: slow }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: busybox:test
      env: [{ name: WORD, valueFrom: { configMapKeyRef: { name: words, key: word } } }]
      command: [sh, -c, 'echo "word=$WORD"; trap "exit 0" TERM; while :; do sleep 0.2; done']
`,
  );
  const client = new AgentClient(env.root);
  // `up` waits for the pod; the agent it talks to is killed under it.
  const up = env.run(['up', '-d', '-f', file, '--timeout', '60s']);
  await waitFor('the CNI ADD to begin', () =>
    access(marker).then(
      () => true,
      () => false,
    ),
  );
  const first = await client.info();
  process.kill(first.pid, 'SIGKILL');
  await up;
  await waitFor('the agent to be gone', async () => !(await client.alive()));

  const ps = await env.run(['ps']);
  assert.equal(ps.code, 0, ps.err());
  await waitFor('the pod to run', async () => {
    const p = (await pods(client)).get('slow');
    return p?.status.phase === 'Running' && main(p).state.running !== undefined;
  });
  const pod = (await pods(client)).get('slow');
  // Set up whole: its IP, and its one container started once.
  assert.match(pod?.status.podIP ?? '', /^10\.89\./);
  assert.equal(main(pod).restartCount, 0);
  const logs = await env.run(['logs', 'slow']);
  assert.match(logs.out(), /word=kept/);
  // The pod's ConfigMap is kept for the next agent as before (its private tmpfs).
  await access(path.join(env.layout.podDir(pod?.uid ?? ''), 'private', 'objects.json'));
  const second = await client.info();
  assert.notEqual(second.pid, first.pid);
});
