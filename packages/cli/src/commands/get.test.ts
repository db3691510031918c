import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { cliTestEnv } from '../testing/cli-test-env.js';

const READY = `apiVersion: v1
kind: Pod
metadata: { name: ready, labels: { app: r } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; sleep 1; touch /tmp/ready; while :; do sleep 0.1; done']
      readinessProbe:
        exec: { command: [test, -f, /tmp/ready] }
        periodSeconds: 1
`;

const NEVER = `apiVersion: v1
kind: Pod
metadata: { name: never }
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: busybox:test
      command: [sh, -c, 'trap "exit 0" TERM; while :; do sleep 0.1; done']
      readinessProbe:
        exec: { command: [sh, -c, 'echo not-yet; exit 1'] }
        periodSeconds: 1
`;

const CRASH = `apiVersion: v1
kind: Pod
metadata: { name: crash }
spec:
  containers:
    - name: app
      image: busybox:test
      command: [/bin/no-such-command]
`;

interface PodJson {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string; labels: Record<string, string> };
  spec: { containers: { name: string; readinessProbe?: { periodSeconds: number } }[] };
  status: {
    phase: string;
    podIP?: string;
    conditions: { type: string; status: string }[];
    containerStatuses: { name: string; ready: boolean; started: boolean; restartCount: number }[];
  };
}

test('up --wait returns once Ready; get pod -o json|yaml prints the Kubernetes Pod with status', async (t) => {
  const env = await cliTestEnv(t);
  const up = await env.run([
    'up',
    '--wait',
    '--timeout',
    '60s',
    '-f',
    await env.manifest('r.yaml', READY),
  ]);
  assert.equal(up.code, 0, up.err());
  assert.match(up.out(), /^pod\/ready ready \(IP 10\.89\.\d+\.\d+\)\n$/);

  const json = await env.run(['get', 'pod', 'ready', '-o', 'json']);
  assert.equal(json.code, 0, json.err());
  const pod = JSON.parse(json.out()) as PodJson;
  assert.equal(pod.apiVersion, 'v1');
  assert.equal(pod.kind, 'Pod');
  assert.equal(pod.metadata.name, 'ready');
  assert.deepEqual(pod.metadata.labels, { app: 'r' });
  assert.equal(pod.spec.containers[0]?.readinessProbe?.periodSeconds, 1);
  assert.equal(pod.status.phase, 'Running');
  assert.deepEqual(
    pod.status.conditions.map((c) => [c.type, c.status]),
    [
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['ContainersReady', 'True'],
      ['Ready', 'True'],
    ],
  );
  assert.deepEqual(
    pod.status.containerStatuses.map((c) => [c.name, c.ready, c.started, c.restartCount]),
    [['app', true, true, 0]],
  );
  const yaml = await env.run(['get', 'po', 'ready']);
  assert.equal(yaml.code, 0, yaml.err());
  const fromYaml = parse(yaml.out()) as PodJson;
  assert.equal(fromYaml.metadata.uid, pod.metadata.uid);
  assert.equal(fromYaml.status.phase, 'Running');

  // kubectl's habits: the namespace's pods as a list, describe pod NAME / pod/NAME.
  const list = await env.run(['get', 'pods']);
  assert.equal(list.code, 0, list.err());
  assert.match(
    list.out(),
    /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nready\s+1\/1\s+Running\s+0\s+\d+s\n$/,
  );
  const wide = await env.run(['get', 'pods', '-o', 'wide']);
  assert.match(
    wide.out(),
    new RegExp(`^ready\\s.*\\s${(pod.status.podIP ?? 'none').replace(/\./g, '\\.')}\\s`, 'm'),
  );
  const asList = JSON.parse((await env.run(['get', 'pods', '-o', 'json'])).out()) as {
    kind: string;
    items: PodJson[];
  };
  assert.equal(asList.kind, 'List');
  assert.deepEqual(
    asList.items.map((i) => i.metadata.uid),
    [pod.metadata.uid],
  );
  const none = await env.run(['-n', 'elsewhere', 'get', 'pods']);
  assert.equal(none.code, 0, none.err());
  assert.equal(none.err(), 'No resources found in elsewhere namespace.\n');
  for (const argv of [
    ['describe', 'pod', 'ready'],
    ['describe', 'pod/ready'],
    ['describe', 'ready'],
  ]) {
    const d = await env.run(argv);
    assert.equal(d.code, 0, `${argv.join(' ')}: ${d.err()}`);
    assert.match(d.out(), /^Name:\s+ready$/m);
  }
  const notPod = await env.run(['describe', 'svc/ready']);
  assert.equal(notPod.code, 2);
  assert.match(notPod.err(), /podkit describe shows pods, not svc/);

  const bad = await env.run(['get', 'service', 'ready']);
  assert.equal(bad.code, 2);
  const missing = await env.run(['get', 'pod', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.err(), /no pod named "nope"/);
});

test('up --wait fails with the reason: a failing readiness probe, a command that cannot start; describe shows probes and folded events', async (t) => {
  const env = await cliTestEnv(t);
  const never = await env.run([
    'up',
    '--wait',
    // Long enough for a loaded machine to create the pod and see the probe fail.
    '--timeout',
    '12s',
    '-f',
    await env.manifest('n.yaml', NEVER),
  ]);
  assert.equal(never.code, 1);
  assert.match(
    never.err(),
    /^pod\/never not Ready within 12s: container app: not ready \(Readiness probe failed: not-yet\n?\)\n/,
  );
  const crash = await env.run([
    'up',
    '--wait',
    '--timeout',
    '12s',
    '-f',
    await env.manifest('c.yaml', CRASH),
  ]);
  assert.equal(crash.code, 1);
  assert.match(
    crash.err(),
    /^pod\/crash not Ready within 12s: container app: (RunContainerError \(|StartError, exit code 128)/,
  );

  const d = await env.run(['describe', 'never']);
  assert.equal(d.code, 0, d.err());
  const text = d.out();
  assert.match(
    text,
    /^ {4}Readiness:\s+exec \[sh -c echo not-yet; exit 1\] delay=0s timeout=1s period=1s #success=1 #failure=3$/m,
  );
  assert.match(text, /^ {2}Ready\s+False$/m);
  assert.match(
    text,
    /^ {2}Warning\s+Unhealthy\s+\d+s \(x\d+ over \d+s\)\s+podkit\s+Readiness probe failed: not-yet/m,
  );

  const c = await env.run(['describe', 'crash']);
  assert.match(
    c.out(),
    /^ {4}Last State:\s+Terminated\n {6}Reason:\s+StartError\n {6}Message:.*no-such-command.*\n {6}Exit Code:\s+128$/m,
  );
  assert.match(c.out(), /^ {4}Restart Count:\s+[1-9]\d*$/m);
  assert.match(c.out(), /^ {2}Warning\s+BackOff\s+/m);
});
