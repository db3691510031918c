import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentClient } from '@podkit/agent/client';
import { listPodRecords } from '@podkit/runtime';
import type { PsPod } from './ps.js';
import { cliTestEnv } from '../testing/cli-test-env.js';

const DUO = `apiVersion: v1
kind: Pod
metadata:
  name: duo
  labels: { app: duo }
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: web
      image: busybox:test
      command: [sh, -c, 'echo web-up; exec httpd -f -p 8080']
      ports: [{ containerPort: 8080 }]
    - name: side
      image: busybox:test
      command: [sh, -c, 'echo side-up; echo second-line; exec sleep 1000']
`;

test('up -d, ps, logs, exec, describe, down of a two-container pod', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest('duo.yaml', DUO);

  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());
  assert.match(up.out(), /^pod\/duo started \(IP 10\.89\.\d+\.\d+\)\n$/);

  const ps = await env.run(['ps']);
  assert.equal(ps.code, 0, ps.err());
  const [header, podRow, ...containerRows] = ps.out().trimEnd().split('\n');
  assert.match(header ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+IP\s+PORTS\s+AGE$/);
  assert.match(podRow ?? '', /^duo\s+2\/2\s+Running\s+0\s+10\.89\.\d+\.\d+\s+8080\/tcp\s+\d+s$/);
  assert.deepEqual(
    containerRows.map((r) => r.trim().split(/\s+/).slice(0, 4)),
    [
      ['web', '1/1', 'Running', '0'],
      ['side', '1/1', 'Running', '0'],
    ],
  );
  const json = await env.run(['ps', '-o', 'json']);
  const pods = (JSON.parse(json.out()) as { pods: PsPod[] }).pods;
  assert.deepEqual(
    pods.map((p) => [p.name, p.status, p.ready, p.containers.map((c) => c.status)]),
    [['duo', 'Running', '2/2', ['Running', 'Running']]],
  );

  // Two containers: -c is required, and the error names them.
  const noC = await env.run(['logs', 'duo']);
  assert.equal(noC.code, 2);
  assert.match(noC.err(), /choose one of: \[web side\]/);
  // The container started; its first lines may take a moment to reach the log file.
  let logs = await env.run(['logs', 'duo', '-c', 'side']);
  for (let i = 0; i < 100 && !logs.out().includes('second-line'); i++) {
    await sleep(50);
    logs = await env.run(['logs', 'duo', '-c', 'side']);
  }
  assert.equal(logs.code, 0, logs.err());
  assert.equal(logs.out(), 'side-up\nsecond-line\n');
  const tail = await env.run(['logs', 'duo', '-c', 'side', '--tail', '1', '--timestamps']);
  assert.match(tail.out(), /^\d{4}-\d\d-\d\dT\S+Z second-line\n$/);

  // exec: stdout and the exit code reach the (real) process.
  const ex = env.spawn([
    'exec',
    'duo',
    '-c',
    'web',
    '--',
    'sh',
    '-c',
    'echo in-$(hostname); exit 3',
  ]);
  assert.equal(ex.status, 3, ex.stderr);
  assert.equal(ex.stdout, 'in-duo\n');
  const ok = env.spawn([
    'exec',
    'duo',
    '-c',
    'side',
    '--',
    'wget',
    '-qO-',
    'http://localhost:8080/',
  ]);
  assert.match(ok.stderr, /404 Not Found/, 'httpd answers (404: no files) on the shared localhost');
  const missing = env.spawn(['exec', 'duo', '-c', 'web', '--', 'no-such-program']);
  assert.equal(missing.status, 127, missing.stderr);

  const describe = await env.run(['describe', 'duo']);
  assert.equal(describe.code, 0, describe.err());
  const text = describe.out();
  assert.match(text, /^Name:\s+duo$/m);
  assert.match(text, /^Labels:\s+app=duo$/m);
  assert.match(text, /^Status:\s+Running$/m);
  assert.match(text, /^IP:\s+10\.89\.\d+\.\d+$/m);
  assert.match(text, /^ {2}web:\n {4}Container ID:\s+runc:\/\/\S+-web$/m);
  assert.match(text, /^ {4}State:\s+Running\n {6}Started:\s+\w{3}, \d\d \w{3} \d{4}/m);
  assert.match(text, /^ {2}Ready\s+True$/m);
  assert.match(text, /^Events:\n {2}Type\s+Reason\s+Age\s+From\s+Message\n/m);
  assert.match(text, /^ {2}Normal\s+Created\s+\d+s\s+podkit\s+Created container web$/m);
  assert.match(text, /^ {2}Normal\s+Started\s+\d+s\s+podkit\s+Started container side$/m);

  const down = await env.run(['down', 'duo']);
  assert.equal(down.code, 0, down.err());
  assert.equal(down.out(), 'pod/duo removed\n');
  const after = await env.run(['ps', '-a']);
  assert.equal(after.out(), '');
  assert.deepEqual(await listPodRecords(env.layout), []);

  const again = await env.run(['down', 'duo']);
  assert.equal(again.code, 1);
  assert.match(again.err(), /no pod named "duo" in namespace "default"/);
  const notFound = await env.run(['exec', 'duo', '--', 'true']);
  assert.equal(notFound.code, 1);
});

test('a pod whose agent was SIGKILLed: the next agent adopts it (ps Running, gc leaves it)', async (t) => {
  // The kill lands between the container's start and the write that records it (the record on
  // disk still says ContainerCreating): adoption finds it running and says so.
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'lost.yaml',
    `apiVersion: v1
kind: Pod
metadata: { name: lost }
spec:
  containers:
    - name: c
      image: busybox:test
      command: [sleep, '1000']
`,
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 0, up.err());
  const client = new AgentClient(env.root);
  const { pid } = await client.info();
  process.kill(pid, 'SIGKILL');
  while (await client.alive()) await sleep(10);
  const [record] = await listPodRecords(env.layout);
  assert.ok(record !== undefined);
  const c = record.status.containerStatuses[0];
  assert.ok(c?.state.running !== undefined, 'up -d answered once the start was on disk');
  c.state = { waiting: { reason: 'ContainerCreating' } };
  c.started = false;
  c.ready = false;
  await writeFile(path.join(env.layout.podDir(record.uid), 'pod.json'), JSON.stringify(record));
  // The next command starts a new agent, which adopts the pod: its container ran on.
  const ps = await env.run(['ps']);
  assert.equal(ps.code, 0, ps.err());
  assert.match(ps.out(), /^lost\s+1\/1\s+Running\s+0\s/m);
  assert.notEqual((await client.info()).pid, pid);
  const gc = await env.run(['gc']);
  assert.equal(gc.code, 0, gc.err());
  assert.equal(gc.out(), 'nothing to remove\n');
  assert.match((await env.run(['ps'])).out(), /^lost\s+1\/1\s+Running/m);
});
