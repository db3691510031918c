import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startAgent } from '@podkit/agent';
import { AgentClient } from '@podkit/agent/client';
import type { PodRecord } from '@podkit/runtime';
import { listPods, listWorkloads, watchPods } from '../agent-access.js';
import { cliTestEnv, type CliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

const ALPHABET = '[bcdfghjklmnpqrstvwxz2456789]';

/** A Job of busybox pods; `spec` lines go under `spec:`, `pod` lines under `template.spec:`. */
function job(name: string, spec: string[], command: string, pod: string[] = []): string {
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    `metadata: {name: ${name}}`,
    'spec:',
    ...spec.map((l) => `  ${l}`),
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      terminationGracePeriodSeconds: 1',
    ...pod.map((l) => `      ${l}`),
    '      containers:',
    '        - name: work',
    '          image: busybox:test',
    `          command: [sh, -c, ${JSON.stringify(command)}]`,
    '',
  ].join('\n');
}

const owner = (r: PodRecord) => r.pod.metadata.ownerReferences?.find((o) => o.controller);
const isActive = (r: PodRecord) =>
  !r.released && r.status.phase !== 'Succeeded' && r.status.phase !== 'Failed';

/** Follows every pod change of the root; `peak()` is the most active pods of `ownerName` seen at once. */
function followActive(client: AgentClient, ownerName: string) {
  const active = new Map<string, boolean>();
  let peak = 0;
  const ac = new AbortController();
  const watching = watchPods(
    client,
    [],
    (c) => {
      if (c.type === 'removed') active.delete(c.uid);
      else if (owner(c.record)?.name === ownerName) active.set(c.record.uid, isActive(c.record));
      peak = Math.max(peak, [...active.values()].filter(Boolean).length);
    },
    ac.signal,
  ).catch(() => undefined);
  return {
    peak: () => peak,
    stop: async () => {
      ac.abort();
      await watching;
    },
  };
}

/** An agent in this process with the Job back-off shortened (the option tests have; no flag). */
async function fastBackoffAgent(t: TestContext, env: CliTestEnv): Promise<void> {
  const agent = await startAgent({
    root: env.root,
    log: () => undefined,
    jobBackoff: { baseMs: 200, capMs: 1000 },
  });
  t.after(() => agent.stop());
}

test('a Job of 3 completions, parallelism 2: 3 succeeded pods, never more than 2 at once, OWNER Job/work, get jobs 3/3, down -f removes it and its pods', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'job.yaml',
    job('work', ['completions: 3', 'parallelism: 2'], 'sleep 1; echo done'),
  );
  // The agent first (any command starts it), so that the watch sees every pod from the start.
  const before = await env.run(['ps']);
  assert.equal(before.code, 0, before.err());
  const client = new AgentClient(env.root);
  const follow = followActive(client, 'work');
  t.after(follow.stop);
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^job\/work applied \(3 completions, parallelism 2\)$/m);
  assert.match(up.out(), /^job\/work complete \(3\/3 succeeded\)$/m);
  await follow.stop();
  t.diagnostic(`at most ${follow.peak()} pods of the Job were active at once`);
  assert.equal(follow.peak(), 2);

  const pods = await listPods(client);
  assert.equal(pods.length, 3, pods.map((p) => `${p.name} ${p.status.phase}`).join('\n'));
  const [w] = await listWorkloads(client);
  assert.ok(w !== undefined);
  for (const p of pods) {
    assert.match(p.name, new RegExp(`^work-${ALPHABET}{5}$`));
    assert.equal(p.status.phase, 'Succeeded');
    assert.equal(owner(p)?.kind, 'Job');
    assert.equal(owner(p)?.uid, w.record.uid);
    assert.equal(p.pod.metadata.labels['batch.kubernetes.io/job-name'], 'work');
    assert.equal(p.pod.metadata.labels['batch.kubernetes.io/controller-uid'], w.record.uid);
    assert.equal(p.pod.metadata.labels['job-name'], 'work');
  }
  assert.equal(w.status.job?.succeeded, 3);
  assert.equal(w.status.job.failed, 0);
  assert.deepEqual(
    w.status.job.conditions.map((c) => [c.type, c.reason]),
    [['Complete', 'CompletionsReached']],
  );
  assert.ok(w.status.job.startTime !== undefined && w.status.job.completionTime !== undefined);

  // The finished Job's pods stay, Completed, until the Job goes.
  const ps = await env.run(['ps', '-a']);
  assert.equal(ps.out().split('Job/work').length - 1, 3, ps.out());
  assert.equal(ps.out().match(/^work-\S+\s+0\/1\s+Completed\s/gm)?.length, 3, ps.out());
  const get = await env.run(['get', 'jobs']);
  assert.equal(get.code, 0, get.err());
  assert.match(get.out(), /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
  assert.match(get.out(), /^work\s+Complete\s+3\/3\s+\d+s\s+\d+s$/m);
  const yaml = await env.run(['get', 'job', 'work']);
  assert.match(yaml.out(), /^ {4}- type: Complete$/m);
  assert.match(yaml.out(), /^ {2}succeeded: 3$/m);

  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'job/work removed\n');
  assert.deepEqual(await listPods(client), []);
  assert.deepEqual(await listWorkloads(client), []);
});

test('an Indexed Job: its pods see JOB_COMPLETION_INDEX 0, 1 and 2 (and the annotation)', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'indexed.yaml',
    job(
      'idx',
      ['completions: 3', 'parallelism: 3', 'completionMode: Indexed'],
      'echo "index=$JOB_COMPLETION_INDEX"',
    ),
  );
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^job\/idx complete \(3\/3 succeeded\)$/m);
  const client = new AgentClient(env.root);
  const pods = await listPods(client);
  assert.equal(pods.length, 3);
  const seen: string[] = [];
  for (const p of pods) {
    const index = p.pod.metadata.annotations['batch.kubernetes.io/job-completion-index'] ?? '';
    assert.match(p.name, new RegExp(`^idx-${index}-${ALPHABET}{5}$`));
    const logs = await env.run(['logs', p.name]);
    assert.equal(logs.code, 0, logs.err());
    assert.equal(logs.out(), `index=${index}\n`);
    seen.push(index);
  }
  assert.deepEqual(seen.sort(), ['0', '1', '2']);
});

test('a failing Job stops after backoffLimit: condition Failed/BackoffLimitExceeded, backoffLimit+1 failed pods kept, up --wait fails with the reason', async (t) => {
  const env = await cliTestEnv(t);
  await fastBackoffAgent(t, env);
  const file = await env.manifest('fail.yaml', job('fail', ['backoffLimit: 2'], 'exit 3'));
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 1, up.out() + up.err());
  assert.match(
    up.err(),
    /^job\/fail failed: BackoffLimitExceeded: Job has reached the specified backoff limit \(0\/1 succeeded, 0 active, 3 failed\)$/m,
  );
  const client = new AgentClient(env.root);
  const [w] = await listWorkloads(client);
  assert.deepEqual(
    w?.status.job?.conditions.map((c) => [c.type, c.reason]),
    [['Failed', 'BackoffLimitExceeded']],
  );
  const pods = await listPods(client);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.status.phase === 'Failed'));
  // No fourth pod comes later.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal((await listPods(client)).length, 3);
});

test('activeDeadlineSeconds kills a sleeping Job: Failed/DeadlineExceeded, its pod deleted', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'deadline.yaml',
    job('sleepy', ['activeDeadlineSeconds: 2'], 'trap "exit 0" TERM; while :; do sleep 0.2; done'),
  );
  const started = Date.now();
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 1, up.out() + up.err());
  assert.match(
    up.err(),
    /^job\/sleepy failed: DeadlineExceeded: Job was active longer than specified deadline/m,
  );
  assert.ok(Date.now() - started >= 2000);
  const client = new AgentClient(env.root);
  await until(
    async () => ((await listPods(client)).length === 0 ? true : undefined),
    'the Job pod deleted',
  );
  const [w] = await listWorkloads(client);
  assert.equal(w?.status.job?.conditions[0]?.reason, 'DeadlineExceeded');
});

test('a Job pod with a native sidecar completes: the sidecar is stopped, the pod Succeeded, the Job Complete', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'sidecar.yaml',
    job('withside', [], 'sleep 0.5; echo main done', [
      'initContainers:',
      '  - name: side',
      '    image: busybox:test',
      '    restartPolicy: Always',
      '    command: [sh, -c, "trap \'exit 0\' TERM; while :; do sleep 0.2; done"]',
    ]),
  );
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^job\/withside complete \(1\/1 succeeded\)$/m);
  // The pod is done once its sidecar was stopped too (after the main container ended).
  const p = await until(async () => {
    const [r] = await listPods(new AgentClient(env.root));
    return r?.released === true ? r : undefined;
  }, 'the pod released');
  assert.equal(p.status.phase, 'Succeeded');
  const side = p.status.initContainerStatuses.find((s) => s.name === 'side');
  assert.ok(side?.state.terminated !== undefined, JSON.stringify(side));
  assert.equal(p.status.containerStatuses[0]?.state.terminated?.exitCode, 0);
});

test('ttlSecondsAfterFinished: a finished Job goes with its pods once the TTL passed', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('ttl.yaml', job('brief', ['ttlSecondsAfterFinished: 1'], 'true'));
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^job\/brief complete \(1\/1 succeeded\)$/m);
  const client = new AgentClient(env.root);
  await until(async () => {
    const [workloads, pods] = await Promise.all([listWorkloads(client), listPods(client)]);
    return workloads.length === 0 && pods.length === 0 ? true : undefined;
  }, 'the Job and its pod removed after its TTL');
});

/** A DaemonSet of one busybox httpd pod, answering its VERSION; ready by a probe. */
function daemonSet(version: string): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: c
          image: busybox:test
          env: [{name: VERSION, value: "${version}"}]
          command: [sh, -c, 'trap "exit 0" TERM; touch /tmp/ready; while :; do sleep 0.2; done']
          readinessProbe:
            exec: {command: [cat, /tmp/ready]}
            periodSeconds: 1
`;
}

test('a DaemonSet runs one pod, recreates it when deleted, rolls it on a template change, keeps it across a kill -9 of the agent', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('ds.yaml', daemonSet('v1'));
  const up = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  assert.match(up.out(), /^daemonset\/node-agent ready \(one pod on this node\)$/m);
  const client = new AgentClient(env.root);
  const live = async () => (await listPods(client)).filter(isActive);
  const [first] = await live();
  assert.ok(first !== undefined);
  assert.equal((await listPods(client)).length, 1);
  assert.match(first.name, new RegExp(`^node-agent-${ALPHABET}{5}$`));
  assert.equal(owner(first)?.kind, 'DaemonSet');
  const hash1 = first.pod.metadata.labels['controller-revision-hash'];
  assert.ok(hash1 !== undefined);

  // Deleted: a new one comes.
  const down1 = await env.run(['down', '--force', first.name]);
  assert.equal(down1.code, 0, down1.err());
  const second = await until(async () => {
    const now = await live();
    return now.length === 1 && now[0]?.name !== first.name && now[0]?.status.phase === 'Running'
      ? now[0]
      : undefined;
  }, 'the deleted daemon pod recreated');
  assert.equal(second.pod.metadata.labels['controller-revision-hash'], hash1);

  // A template change: the old pod goes (maxUnavailable 1), the new one comes.
  await env.manifest('ds.yaml', daemonSet('v2'));
  const roll = await env.run(['up', '--wait', '--timeout', '60s', '-f', file]);
  assert.equal(roll.code, 0, roll.out() + roll.err());
  const third = await until(async () => {
    const all = await listPods(client);
    return all.length === 1 && all[0]?.name !== second.name ? all[0] : undefined;
  }, 'the rolled daemon pod');
  assert.notEqual(third.pod.metadata.labels['controller-revision-hash'], hash1);
  assert.equal(third.pod.spec.containers[0]?.env[0]?.value, 'v2');
  const get = await env.run(['get', 'daemonsets']);
  assert.match(get.out(), /^node-agent\s+1\s+1\s+1\s+1\s+1\s+\d+s$/m);

  // kill -9 of the agent: the next one (it answers only after its controllers' first sync)
  // adopts the pod and creates no second one.
  const first9 = await client.info();
  process.kill(first9.pid, 'SIGKILL');
  await until(async () => ((await client.alive()) ? undefined : true), 'the agent gone');
  const ps = await env.run(['ps']);
  assert.equal(ps.code, 0, ps.err());
  assert.notEqual((await client.info()).pid, first9.pid);
  assert.deepEqual(
    (await listPods(client)).map((p) => p.name),
    [third.name],
  );

  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'daemonset/node-agent removed\n');
  assert.deepEqual(await listPods(client), []);
});

test('after kill -9 of the agent mid-Job: the next one adopts the pods, creates no duplicate and does not run a completed pod again', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'seq.yaml',
    job('seq', ['completions: 3', 'parallelism: 1'], 'sleep 1.5'),
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.out() + up.err());
  const client = new AgentClient(env.root);
  // Once the first pod succeeded and the second one's container runs, the agent dies.
  await until(async () => {
    const pods = await listPods(client);
    const running = pods.some(
      (p) => isActive(p) && p.status.containerStatuses[0]?.state.running !== undefined,
    );
    return pods.some((p) => p.status.phase === 'Succeeded') && running ? true : undefined;
  }, 'one pod done, the next running');
  const first = await client.info();
  process.kill(first.pid, 'SIGKILL');
  await until(async () => ((await client.alive()) ? undefined : true), 'the agent gone');
  const ps = await env.run(['ps', '-a']);
  assert.equal(ps.code, 0, ps.err());
  assert.notEqual((await client.info()).pid, first.pid);
  const done = await until(async () => {
    const [w] = await listWorkloads(client);
    return w?.status.complete === true ? w : undefined;
  }, 'the Job complete under the new agent');
  assert.equal(done.status.job?.succeeded, 3);
  const pods = await listPods(client);
  assert.equal(
    pods.length,
    3,
    JSON.stringify(
      pods.map((p) => [p.name, p.status]),
      null,
      1,
    ),
  );
  assert.ok(pods.every((p) => p.status.phase === 'Succeeded'));
});
