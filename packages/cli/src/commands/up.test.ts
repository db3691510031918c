import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listPodRecords, readPodRecord } from '@podkit/runtime';
import { REPO, capture, cliTestEnv } from '../testing/cli-test-env.js';

test('up of an invalid manifest: exit 1 with every problem at file:line:col, nothing runs', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'bad.yaml',
    `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
    - name: c
      image: busybox:test
      imagePullPolice: Always
      ports:
        - containerPort: 70000
`,
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 1, up.err());
  assert.equal(up.out(), '');
  const lines = up.err().trimEnd().split('\n');
  assert.deepEqual(lines, [
    `${file}:9:7 spec.containers[0].imagePullPolice: unknown field; did you mean "imagePullPolicy"?`,
    `${file}:11:26 spec.containers[0].ports[0].containerPort: must be 1-65535, got 70000`,
    `${file}: invalid (2 errors)`,
  ]);
  assert.deepEqual(await listPodRecords(env.layout), []);
  const missing = await env.run(['up', '-f', `${file}.nope`]);
  assert.equal(missing.code, 2);
  assert.match(missing.err(), /cannot read .*bad\.yaml\.nope/);
});

test('up of a pod with a missing image and a taken hostPort: exit 1 naming both; ps shows nothing', async (t) => {
  const env = await cliTestEnv(t);
  const server = createServer();
  server.listen(0, '0.0.0.0');
  await once(server, 'listening');
  t.after(() => {
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  const file = await env.manifest(
    'admit.yaml',
    `apiVersion: v1
kind: Pod
metadata:
  name: admit
spec:
  containers:
    - name: web
      image: busybox:test
      command: [sleep, '100']
      ports: [{ containerPort: 80, hostPort: ${port} }]
    - name: other
      image: no-such-image:1.0
`,
  );
  const up = await env.run(['up', '-d', '-f', file]);
  assert.equal(up.code, 1);
  assert.equal(up.out(), '');
  assert.match(up.err(), /pod default\/admit cannot start \(2 problems\)/);
  assert.match(up.err(), /image "no-such-image:1\.0".*not in the local image store/);
  assert.match(up.err(), new RegExp(`hostPort ${port}/tcp`));
  assert.match(up.err(), /nothing was created/);
  const ps = await env.run(['ps', '-a']);
  assert.equal(ps.code, 0);
  assert.equal(ps.out(), '');
  assert.match(ps.err(), /^No pods\.\n$/);
  assert.deepEqual(await listPodRecords(env.layout), []);
});

test('foreground up: prefixed log lines, and the exit code of the main container', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'fg.yaml',
    `apiVersion: v1
kind: Pod
metadata:
  name: fg
spec:
  restartPolicy: Never
  containers:
    - name: c
      image: busybox:test
      # stdout and stderr are two pipes: the pause orders the two lines for the assertions.
      command: [sh, -c, 'echo hi; sleep 0.3; echo oops >&2; exit 4']
`,
  );
  const up = await env.run(['up', '-f', file]);
  assert.equal(up.code, 4, up.err());
  assert.equal(up.out(), 'c | hi\nc | oops\nc exited with code 4\n');
  // The record stays until `podkit down`, as compose keeps stopped containers.
  const ps = await env.run(['ps', '-a']);
  assert.match(ps.out(), /^fg\s+0\/1\s+Error\s+0\s/m);
  const exec = await env.run(['exec', 'fg', '--', 'true']);
  assert.equal(exec.code, 1);
  assert.match(exec.err(), /container c of pod fg is not running \(the pod ended: Failed\)/);
  // Logs outlive the containers; -f of an ended container returns at once.
  const logs = await env.run(['logs', '-f', 'fg']);
  assert.equal(logs.code, 0, logs.err());
  assert.equal(logs.out(), 'hi\noops\n');
  const down = await env.run(['down', '-f', file]);
  assert.equal(down.code, 0, down.err());
});

test('up FILE (no -f) again after its pod ended replaces the pod, as compose re-runs, and says so', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'once.yaml',
    `apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: Never
  containers:
    - name: c
      image: busybox:test
      command: [sh, -c, 'echo once']
`,
  );
  const first = await env.run(['up', file]);
  assert.equal(first.code, 0, first.err());
  assert.equal(first.out(), 'c | once\nc exited with code 0\n');
  const again = await env.run(['up', file]);
  assert.equal(again.code, 0, again.err());
  assert.match(again.err(), /^pod\/once replaced \(it had ended: Succeeded\)$/m);
  assert.equal(again.out(), 'c | once\nc exited with code 0\n');
  assert.equal((await listPodRecords(env.layout)).length, 1);
  const twice = await env.run(['up', file, '-f', `${file}.other`]);
  assert.equal(twice.code, 2);
  assert.match(twice.err(), /pass the manifest once/);
  const none = await env.run(['up']);
  assert.equal(none.code, 2);
  assert.match(none.err(), /name the manifest to run/);
});

test('up -d again of a running pod: unchanged, left running; an edited one is refused naming the field, the pod untouched', async (t) => {
  const env = await cliTestEnv(t);
  const pod = (command: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: steady
  labels: {app: steady}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: busybox:test
      command: [sh, -c, '${command}']
`;
  const file = await env.manifest('steady.yaml', pod('exec sleep 1000'));
  const first = await env.run(['up', '-d', '-f', file]);
  assert.equal(first.code, 0, first.err());
  const [before] = await listPodRecords(env.layout);
  const id = before?.status.containerStatuses[0]?.containerID;
  assert.ok(before !== undefined && id !== undefined);

  const again = await env.run(['up', '-d', '-f', file]);
  assert.equal(again.code, 0, again.err());
  assert.match(again.err(), /^pod\/steady unchanged \(it runs already\)$/m);
  const [same] = await listPodRecords(env.layout);
  assert.equal(same?.uid, before.uid);
  assert.equal(same.status.containerStatuses[0]?.containerID, id);
  assert.equal(same.status.containerStatuses[0].restartCount, 0);

  await env.manifest('steady.yaml', pod('exec sleep 2000'));
  const edited = await env.run(['up', '-d', '-f', file]);
  assert.equal(edited.code, 1, edited.out() + edited.err());
  assert.match(
    edited.err(),
    /pod "steady" runs already and spec\.containers\[0\]\.command\[2\] differs/,
  );
  assert.match(edited.err(), /podkit down steady/);
  const [still] = await listPodRecords(env.layout);
  assert.equal(still?.uid, before.uid);
  assert.equal(still.status.phase, 'Running');
  assert.equal(still.status.containerStatuses[0]?.containerID, id);
});

test('foreground up: names in their own colours on a terminal; Ctrl+C stops the pod, exit 130', async (t) => {
  const env = await cliTestEnv(t);
  const file = await env.manifest(
    'long.yaml',
    `apiVersion: v1
kind: Pod
metadata:
  name: long
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: nginx
      image: busybox:test
      command: [sh, -c, 'trap "echo bye; exit 0" TERM; echo ready; while true; do sleep 0.1; done']
    - name: sidecar
      image: busybox:test
      command: [sh, -c, 'echo side; exec sleep 1000']
`,
  );
  const c = capture({ isTTY: true });
  const running = env.run(['up', '-f', file], c);
  // Wait until both containers printed, then press Ctrl+C once.
  for (let i = 0; i < 400 && !(c.out().includes('ready') && c.out().includes('side')); i++)
    await sleep(50);
  c.signals.emit('SIGINT', 'SIGINT');
  const up = await running;
  assert.equal(up.code, 130, up.err());
  assert.match(up.err(), /Gracefully stopping/);
  const ESC = '\u001b[';
  assert.ok(c.out().includes(`${ESC}36mnginx   |${ESC}39m ready\n`), JSON.stringify(c.out()));
  assert.ok(c.out().includes(`${ESC}33msidecar |${ESC}39m side\n`), JSON.stringify(c.out()));
  // The graceful stop let nginx's TERM trap run; the pod record stays, released.
  assert.ok(c.out().includes(`nginx   |${ESC}39m bye\n`), JSON.stringify(c.out()));
  const [record] = await listPodRecords(env.layout);
  assert.ok(record !== undefined);
  const final = await readPodRecord(env.layout, record.uid);
  assert.equal(final?.released, true);
});

test('not root: the preflight message and exit 1', async (t) => {
  const env = await cliTestEnv(t);
  // The state root is 0700; the manifest goes where uid 65534 may read it.
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-cli-user-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, 0o755);
  const file = path.join(dir, 'p.yaml');
  await writeFile(
    file,
    'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, image: busybox:test }] }\n',
  );
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      // Reading the checkout must not depend on where it was cloned (under /root it is 0700):
      // the capability to read any file changes nothing podkit checks (the uid). The bundled
      // bin, since tsx's resolution asks access(2), which that capability does not satisfy.
      '--inh-caps=+dac_read_search',
      '--ambient-caps=+dac_read_search',
      process.execPath,
      path.join(REPO, 'packages/cli/dist/bundle/podkit.js'),
      '--root',
      env.root,
      'up',
      '-d',
      '-f',
      file,
    ],
    { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /this host cannot run pods/);
  assert.match(r.stderr, /\[HOST_NOT_ROOT\] podkit's runtime needs root \(running as uid 65534\)/);
  // Not being root is fixed with sudo; the set-up script is for missing tools.
  assert.match(r.stderr, /hint: run podkit as root: sudo podkit/);
  assert.doesNotMatch(r.stderr, /setup\.sh/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
