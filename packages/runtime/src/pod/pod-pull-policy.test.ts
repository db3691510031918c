import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { writeOciLayout, type ImageInput } from '../images/oci/layout-writer.js';
import { readLogs } from '../logs/cri-log-reader.js';
import { BUSYBOX_PATH_ENV, makeBusyboxRootfs } from '../testing/busybox-rootfs.js';
import { skopeoCopy, startRegistry } from '../testing/registry-server.js';
import { AdmissionError } from './admission.js';
import { waitForPod } from './wait-for-pod.js';
import { containerLogPath, listPodRecords, readPodEvents } from './pod-store.js';
import { containerStatus, podTestEnv } from './test-pod-env.js';

/**
 * imagePullPolicy against a real docker-registry: Never and unpullable images fail admission
 * atomically; Always pulls again on each restart; a restart whose pull fails is Waiting with
 * ErrImagePull, then ImagePullBackOff, and recovers once the registry is back.
 */

let work: string;
let layout: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'podkit-policy-'));
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  layout = path.join(work, 'oci');
  const image = (marker: string): ImageInput => ({
    layers: [{ dir: rootfs }, { entries: [{ name: 'etc/marker', content: `${marker}\n` }] }],
    config: { env: [BUSYBOX_PATH_ENV], cmd: ['cat', '/etc/marker'] },
  });
  await writeOciLayout(layout, [
    { refName: 'one', ...image('one') },
    { refName: 'two', ...image('two') },
  ]);
});

after(() => rm(work, { recursive: true, force: true }));

async function logLines(file: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of readLogs(file)) out.push(e.line.toString('utf8'));
  } catch {
    // Not written yet.
  }
  return out;
}

/**
 * A registry holding the `one` image as app:`tag`, and a pod state root whose registries.json
 * reaches it over plain HTTP.
 */
async function registryAndPods(t: TestContext, tag: string) {
  const reg = await startRegistry(t);
  await skopeoCopy(`oci:${layout}:one`, `docker://${reg.host}/app:${tag}`);
  const env = await podTestEnv(t);
  await writeFile(
    path.join(env.layout.root, 'registries.json'),
    JSON.stringify({ insecureRegistries: [reg.host] }),
  );
  return { reg, ...env };
}

test('admission: Never without the image and an unpullable image are refused together; nothing is created', async (t) => {
  const { reg, layout: state, up } = await registryAndPods(t, 'one');
  const err = await up(`
apiVersion: v1
kind: Pod
metadata: { name: policy }
spec:
  containers:
    - { name: never, image: "${reg.host}/app:one", imagePullPolicy: Never }
    - { name: missing, image: "${reg.host}/app:nope" }
    - { name: fine, image: busybox:test, command: [sleep, "100"] }
`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof AdmissionError, String(err));
  assert.equal(err.problems.length, 2, err.message);
  assert.match(err.problems[0] ?? '', /container "never".*ErrImageNeverPull/);
  assert.match(err.problems[1] ?? '', /container "missing".*ErrImagePull.*app:nope not found/);
  assert.deepEqual(await listPodRecords(state), []);
  assert.deepEqual(await readdir(state.podsDir), []);

  // With IfNotPresent the same image is pulled at admission and the pod runs.
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: policy }
spec:
  restartPolicy: Never
  containers:
    - { name: app, image: "${reg.host}/app:one" }
`);
  const done = await waitForPod(state, rec.uid, (r) => r.released, { timeoutMs: 90_000 });
  assert.equal(containerStatus(done, 'app')?.state.terminated?.exitCode, 0);
  assert.deepEqual(await logLines(containerLogPath(state, rec.uid, 'app')), ['one']);
});

test('Always: each restart pulls again; a failed pull is ErrImagePull then ImagePullBackOff, and recovers', async (t) => {
  const { reg, layout: state, up } = await registryAndPods(t, 'latest');
  // No tag: :latest, so imagePullPolicy defaults to Always. The container exits at once and
  // is restarted (restartPolicy Always) after a short backoff.
  const rec = await up(
    `
apiVersion: v1
kind: Pod
metadata: { name: always }
spec:
  containers:
    - { name: app, image: "${reg.host}/app" }
`,
    { backoff: { baseMs: 300, capMs: 1500 } },
  );
  assert.equal(rec.pod.spec.containers[0]?.imagePullPolicy, 'Always');
  const log = containerLogPath(state, rec.uid, 'app');
  const until = async (what: string, pred: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 90_000;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until('the first run', async () => (await logLines(log)).includes('one'));
  // A new image under the same tag: the next restart runs it.
  await skopeoCopy(`oci:${layout}:two`, `docker://${reg.host}/app:latest`);
  await until('a restart with the new image', async () => (await logLines(log)).includes('two'));

  await reg.stop();
  const backoff = await waitForPod(
    state,
    rec.uid,
    (r) => containerStatus(r, 'app')?.state.waiting?.reason === 'ImagePullBackOff',
    { timeoutMs: 90_000 },
  );
  assert.match(
    containerStatus(backoff, 'app')?.state.waiting?.message ?? '',
    /Back-off pulling image .*cannot reach/,
  );
  const events = await readPodEvents(state, rec.uid);
  assert.ok(
    events.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull'),
    JSON.stringify(events),
  );
  assert.ok(events.some((e) => e.reason === 'BackOff' && /Back-off pulling image/.test(e.message)));

  const before = (await logLines(log)).length;
  await reg.start();
  await until('the container to run again', async () => (await logLines(log)).length > before);
  const after = await readPodEvents(state, rec.uid);
  assert.ok(after.some((e) => e.reason === 'Pulled'));
});
