import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { addImage } from '../images/image-store.js';
import { readLogs } from '../logs/cri-log-reader.js';
import { Runc } from '../runc/runc.js';
import { loadSandbox } from '../sandbox/index.js';
import { parseManifests, assertValid } from '../spec/manifests.js';
import type { StateLayout } from '../state/state-root.js';
import { BUSYBOX_PATH_ENV } from '../testing/busybox-rootfs.js';
import { podStarted } from './pod-store.js';
import { waitForPod } from './wait-for-pod.js';
import { containerLogPath, readPodEvents, type PodRecord } from './pod-store.js';
import { containerStatus, podTestEnv, stopPodWorker } from './test-pod-env.js';

// The kubernetes.io example pods of examples/kubernetes-io/, run as they are, each checked
// against what its documentation page says happens.

const examples = path.resolve(import.meta.dirname, '../../../../examples/kubernetes-io');

/** A test env with the manifests' image names: busybox:1.36 (busybox rootfs), nginx:1.22 (host). */
async function exampleEnv(
  t: TestContext,
): Promise<{ layout: StateLayout; run: (file: string) => Promise<PodRecord> }> {
  const { layout, runtime } = await podTestEnv(t);
  await addImage(layout.root, {
    name: 'busybox:1.36',
    source: { kind: 'rootfs', rootfs: path.join(layout.root, 'busybox-rootfs') },
    config: { env: [BUSYBOX_PATH_ENV], cmd: ['sh'] },
  });
  await addImage(layout.root, {
    name: 'nginx:1.22',
    source: { kind: 'host' },
    config: { entrypoint: ['nginx', '-g', 'daemon off; error_log stderr;'], stopSignal: 'SIGQUIT' },
  });
  const run = async (file: string): Promise<PodRecord> => {
    const set = parseManifests(await readFile(path.join(examples, file), 'utf8'), file);
    assertValid(set);
    const pod = set.pods[0];
    if (pod === undefined) throw new Error(`no pod in ${file}`);
    const [record] = await runtime.apply({
      pods: [pod],
      configMaps: set.configMaps,
      secrets: set.secrets,
    });
    if (record === undefined) throw new Error(`no pod started from ${file}`);
    return record;
  };
  return { layout, run };
}

async function logText(layout: StateLayout, uid: string, container: string): Promise<string> {
  const lines: string[] = [];
  for await (const e of readLogs(containerLogPath(layout, uid, container)))
    lines.push(e.line.toString('utf8'));
  return lines.join('\n');
}

/** Waits until the container's log matches `re` (up to 30 s) and returns the log. */
async function waitForLog(
  layout: StateLayout,
  uid: string,
  container: string,
  re: RegExp,
): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = await logText(layout, uid, container).catch(() => '');
    if (re.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (r: PodRecord): string | undefined =>
  r.status.conditions.find((c) => c.type === 'Ready')?.status;

test('init-containers.yaml: nginx serves the page the init container wrote into the emptyDir', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('init-containers.yaml');
  const r = await waitForPod(layout, rec.uid, (x) => ready(x) === 'True', { timeoutMs: 60_000 });
  assert.equal(containerStatus(r, 'install')?.state.terminated?.reason, 'Completed');
  let body = '';
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    body = await fetch(`http://${r.status.podIP ?? ''}/`)
      .then((res) => (res.ok ? res.text() : `HTTP ${String(res.status)}`))
      .catch((e: unknown) => String(e));
    if (body.includes('<html>')) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(body.trim(), '<html><body>written by the init container</body></html>');
});

test('sidecar-containers.yaml: the logshipper starts first and ships what myapp logs', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('sidecar-containers.yaml');
  const r = await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 60_000 });
  const shipper = containerStatus(r, 'logshipper');
  const app = containerStatus(r, 'myapp');
  assert.ok(shipper?.state.running !== undefined, JSON.stringify(shipper));
  assert.ok(app?.state.running !== undefined, JSON.stringify(app));
  assert.ok(shipper.state.running.startedAt <= app.state.running.startedAt);
  assert.match(await waitForLog(layout, rec.uid, 'logshipper', /logging\nlogging/), /logging/);
  assert.equal(containerStatus(r, 'logshipper')?.restartCount, 0);
});

test('sidecar-job.yaml: the main container completes, the sidecar is stopped, the pod Succeeded', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('sidecar-job.yaml');
  const r = await waitForPod(layout, rec.uid, (x) => x.released, { timeoutMs: 60_000 });
  assert.equal(r.status.phase, 'Succeeded', JSON.stringify(r.status));
  assert.equal(containerStatus(r, 'myjob')?.state.terminated?.reason, 'Completed');
  assert.ok(containerStatus(r, 'logshipper')?.state.terminated !== undefined);
  assert.match(await logText(layout, rec.uid, 'logshipper'), /logging/);
});

test('exec-liveness.yaml: once /tmp/healthy is gone the container is killed and restarted', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('exec-liveness.yaml');
  const r = await waitForPod(
    layout,
    rec.uid,
    (x) => (containerStatus(x, 'liveness')?.restartCount ?? 0) >= 1,
    { timeoutMs: 60_000 },
  );
  assert.equal(containerStatus(r, 'liveness')?.restartCount, 1);
  const events = await readPodEvents(layout, rec.uid);
  // The page's event: "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory".
  assert.ok(
    events.some(
      (e) =>
        e.reason === 'Unhealthy' &&
        e.message.startsWith(
          "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
        ),
    ),
    JSON.stringify(events),
  );
  assert.ok(
    events.some(
      (e) =>
        e.reason === 'Killing' &&
        e.message === 'Container liveness failed liveness probe, will be restarted',
    ),
  );
});

test('http-liveness.yaml: once /healthz fails the container is killed and restarted', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('http-liveness.yaml');
  const r = await waitForPod(
    layout,
    rec.uid,
    (x) => (containerStatus(x, 'liveness')?.restartCount ?? 0) >= 1,
    { timeoutMs: 60_000 },
  );
  assert.ok((containerStatus(r, 'liveness')?.restartCount ?? 0) >= 1);
  // On a starved machine the first failures can be 1 s timeouts rather than the 404 (both
  // fail the probe, as under kubelet): wait for the 404 of this or the next run's /healthz.
  let events = await readPodEvents(layout, rec.uid);
  for (
    let i = 0;
    i < 600 && !events.some((e) => /HTTP probe failed with statuscode: 404/.test(e.message));
    i++
  ) {
    await new Promise((res) => setTimeout(res, 100));
    events = await readPodEvents(layout, rec.uid);
  }
  assert.ok(
    events.some(
      (e) =>
        e.reason === 'Unhealthy' &&
        /^Liveness probe failed: HTTP probe failed with statuscode: 404/.test(e.message),
    ),
    JSON.stringify(events.filter((e) => e.reason === 'Unhealthy')),
  );
});

test('tcp-liveness-readiness.yaml: the pod becomes Ready and is not restarted', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('tcp-liveness-readiness.yaml');
  await waitForPod(layout, rec.uid, (x) => ready(x) === 'True', { timeoutMs: 60_000 });
  // A few more liveness periods: still Ready, still the first run.
  await new Promise((res) => setTimeout(res, 3000));
  const r = await waitForPod(layout, rec.uid, () => true, { timeoutMs: 0 });
  assert.equal(ready(r), 'True');
  assert.equal(containerStatus(r, 'goproxy')?.restartCount, 0);
  assert.ok(!(await readPodEvents(layout, rec.uid)).some((e) => e.reason === 'Unhealthy'));
});

test('exec-readiness.yaml: not Ready, Ready, not Ready again — never restarted', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('exec-readiness.yaml');
  const started = await waitForPod(layout, rec.uid, podStarted, { timeoutMs: 60_000 });
  assert.notEqual(ready(started), 'True');
  await waitForPod(layout, rec.uid, (x) => ready(x) === 'True', { timeoutMs: 30_000 });
  const r = await waitForPod(layout, rec.uid, (x) => ready(x) === 'False', { timeoutMs: 30_000 });
  assert.equal(ready(r), 'False');
  assert.equal(containerStatus(r, 'readiness')?.restartCount, 0);
  assert.ok(containerStatus(r, 'readiness')?.state.running !== undefined);
});

test('lifecycle-events.yaml: postStart wrote /usr/share/message; preStop quits nginx gracefully', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('lifecycle-events.yaml');
  const r = await waitForPod(layout, rec.uid, (x) => ready(x) === 'True', { timeoutMs: 60_000 });
  const sb = await loadSandbox(layout, rec.uid);
  if (sb === undefined) throw new Error('no sandbox');
  const runc = new Runc({ root: layout.runcRoot });
  const out = await runc.execCollect(`${sb.id}-lifecycle-demo-container`, {
    args: ['cat', '/usr/share/message'],
  });
  assert.equal(out.stdout, 'Hello from the postStart handler\n');
  assert.equal(r.status.phase, 'Running');
  const stopped = await stopPodWorker(layout, rec.uid);
  // nginx -s quit in preStop: nginx exits 0 by itself, not SIGKILLed after the 30 s grace. (The
  // hook's own exec may be reported failed: nginx, the container's PID 1, exits under it.)
  assert.equal(containerStatus(stopped, 'lifecycle-demo-container')?.state.terminated?.exitCode, 0);
  const events = await readPodEvents(layout, rec.uid);
  assert.ok(
    events.some((e) => e.reason === 'Killing' && e.object.includes('lifecycle-demo-container')),
    JSON.stringify(events),
  );
});

test('dependent-envars.yaml: prints the three references as the page shows', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('dependent-envars.yaml');
  const log = await waitForLog(layout, rec.uid, 'dependent-envars-demo', /ESCAPED_REFERENCE=/);
  assert.match(log, /^UNCHANGED_REFERENCE=\$\(PROTOCOL\):\/\/172\.17\.0\.1:80$/m);
  assert.match(log, /^SERVICE_ADDRESS=https:\/\/172\.17\.0\.1:80$/m);
  assert.match(log, /^ESCAPED_REFERENCE=\$\(PROTOCOL\):\/\/172\.17\.0\.1:80$/m);
});

test('downward-api-env.yaml: pod fields and resources (rounded up to 1 core, bytes) as env', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('downward-api-env.yaml');
  const log = await waitForLog(layout, rec.uid, 'test-container', /67108864/);
  const r = await waitForPod(layout, rec.uid, () => true, { timeoutMs: 0 });
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  assert.deepEqual(lines.slice(1), [
    'dapi-envars-fieldref',
    'default',
    r.status.podIP,
    'default',
    '1',
    '1',
    '33554432',
    '67108864',
  ]);
  assert.ok((lines[0] ?? '') !== '', 'MY_NODE_NAME is the node (here: host) name');
});

test('downward-api-volume.yaml: labels, annotations and resources as files', async (t) => {
  const { layout, run } = await exampleEnv(t);
  const rec = await run('downward-api-volume.yaml');
  const log = await waitForLog(layout, rec.uid, 'client-container', /^32$/m);
  const blocks = log
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter((b) => b !== '');
  assert.deepEqual(blocks.slice(0, 3), [
    'cluster="test-cluster1"\nrack="rack-22"\nzone="us-est-coast"',
    'build="two"\nbuilder="john-doe"',
    '250\n125\n64\n32',
  ]);
});
