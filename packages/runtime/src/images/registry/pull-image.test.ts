import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { PodkitError } from '@podkit/kit';
import { readLogs } from '../../logs/cri-log-reader.js';
import { waitForPod } from '../../pod/wait-for-pod.js';
import { containerLogPath } from '../../pod/pod-store.js';
import { pullFailureMessage } from '../../pod/pod-images.js';
import { podTestEnv } from '../../pod/test-pod-env.js';
import { BUSYBOX_PATH_ENV, makeBusyboxRootfs } from '../../testing/busybox-rootfs.js';
import { freeHostPort } from '../../testing/host-port.js';
import {
  listenOnLoopback,
  makeTlsFiles,
  skopeoCopy,
  startRegistry,
  startTokenServer,
} from '../../testing/registry-server.js';
import { getImage } from '../image-store.js';
import { blobsDir, hasBlob, readBlobJson } from '../oci/blob-store.js';
import { writeOciLayout, type Descriptor, type ImageInput } from '../oci/layout-writer.js';
import { pullImage, type PullEvent } from './pull-image.js';
import { loadRegistrySettings, type RegistrySettings } from './registry-settings.js';

/**
 * `pullImage` against Debian's docker-registry started by each test on 127.0.0.1 (htpasswd,
 * token auth behind a token server written here, TLS with a custom CA), images built offline
 * from busybox-static and pushed with skopeo; pulled images run in a pod.
 */

let work: string;
/** An OCI layout holding `v1` (two layers) and `multi` (an index: amd64 + arm64). */
let layout: string;

const FAST_RETRY = { attempts: 3, baseMs: 20, capMs: 100 };

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'podkit-pull-'));
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  const image = (marker: string, arch: string): ImageInput => ({
    layers: [
      { dir: rootfs },
      { entries: [{ name: 'etc/marker', content: `${marker}\n` }], compression: 'none' },
    ],
    config: { env: [BUSYBOX_PATH_ENV], cmd: ['cat', '/etc/marker'] },
    platform: { os: 'linux', architecture: arch },
  });
  layout = path.join(work, 'oci');
  await writeOciLayout(layout, [
    { refName: 'v1', ...image('from-the-registry', 'amd64') },
    { refName: 'multi', index: [image('arm64-image', 'arm64'), image('amd64-image', 'amd64')] },
  ]);
});

after(() => rm(work, { recursive: true, force: true }));

async function stateRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-pull-root-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function authFile(dir: string, host: string, user: string, pass: string): Promise<string> {
  const file = path.join(dir, `auth-${user}-${pass}.json`);
  await writeFile(
    file,
    JSON.stringify({
      auths: { [host]: { auth: Buffer.from(`${user}:${pass}`).toString('base64') } },
    }),
  );
  return file;
}

const settingsFor = (extra: Partial<RegistrySettings>): RegistrySettings => ({
  insecureRegistries: [],
  caFiles: [],
  certsDir: path.join(work, 'no-certs.d'),
  ...extra,
});

const isCode =
  (code: string, pattern?: RegExp) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof PodkitError, `expected a PodkitError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern !== undefined) assert.match(`${err.message}\n${err.hint ?? ''}`, pattern);
    return true;
  };

/** The error of a pull that must fail (a PodkitError; the test fails if the pull succeeds). */
async function pullError(
  root: string,
  ref: string,
  options: Parameters<typeof pullImage>[2],
): Promise<PodkitError> {
  const err = await pullImage(root, ref, options).then(
    () => assert.fail(`pulled ${ref}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PodkitError, String(err));
  return err;
}

async function storedBlobs(root: string): Promise<string[]> {
  return (await readdir(blobsDir(root)).catch(() => [])).filter((f) => !f.startsWith('.'));
}

test('htpasswd registry: pull by tag and by digest (blobs reused), run it in a pod; bad or missing credentials and unknown tags are clear errors', async (t) => {
  const reg = await startRegistry(t, {
    auth: { htpasswd: { username: 'alice', password: 's3cret' } },
  });
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/team/busybox:v1`, {
    creds: 'alice:s3cret',
  });
  const { layout: pods, up } = await podTestEnv(t);
  const root = pods.root;
  const dir = await stateRoot(t);
  const settings = settingsFor({
    insecureRegistries: [reg.host],
    authFile: await authFile(dir, reg.host, 'alice', 's3cret'),
  });
  const events: PullEvent[] = [];
  const byTag = await pullImage(root, `${reg.host}/team/busybox:v1`, {
    settings,
    onEvent: (e) => events.push(e),
  });
  assert.equal(byTag.name, `${reg.host}/team/busybox:v1`);
  const layerEvents = events.filter((e) => e.kind === 'blob' && e.role === 'layer');
  assert.equal(layerEvents.filter((e) => e.kind === 'blob' && e.phase === 'done').length, 2);
  assert.ok((await getImage(root, byTag.name))?.kind === 'oci');

  // By digest: every blob is already there, nothing is downloaded again.
  events.length = 0;
  const byDigest = await pullImage(root, `${reg.host}/team/busybox@${byTag.manifestDigest}`, {
    settings,
    onEvent: (e) => events.push(e),
  });
  assert.equal(byDigest.manifestDigest, byTag.manifestDigest);
  const blobPhases = events.flatMap((e) => (e.kind === 'blob' ? [e.phase] : []));
  assert.deepEqual([...new Set(blobPhases)], ['exists']);
  assert.ok(await getImage(root, `${reg.host}/team/busybox@${byTag.manifestDigest}`));

  // The pulled image runs (the digest reference too).
  const rec = await up(`
apiVersion: v1
kind: Pod
metadata: { name: pulled }
spec:
  restartPolicy: Never
  containers:
    - { name: tag, image: "${reg.host}/team/busybox:v1", imagePullPolicy: Never }
    - { name: digest, image: "${reg.host}/team/busybox@${byTag.manifestDigest}" }
`);
  const done = await waitForPod(pods, rec.uid, (r) => r.released, { timeoutMs: 90_000 });
  for (const c of ['tag', 'digest']) {
    const st = done.status.containerStatuses.find((s) => s.name === c);
    assert.equal(st?.state.terminated?.exitCode, 0, JSON.stringify(st));
    const lines: string[] = [];
    for await (const e of readLogs(containerLogPath(pods, rec.uid, c)))
      lines.push(e.line.toString('utf8'));
    assert.deepEqual(lines, ['from-the-registry']);
  }

  const other = await stateRoot(t);
  await assert.rejects(
    pullImage(other, `${reg.host}/team/busybox:v1`, {
      settings: { ...settings, authFile: await authFile(dir, reg.host, 'alice', 'wrong') },
    }),
    isCode('REGISTRY_AUTH_FAILED', /credentials for 127\.0\.0\.1:\d+ were refused/),
  );
  await assert.rejects(
    pullImage(other, `${reg.host}/team/busybox:v1`, {
      settings: { ...settings, authFile: path.join(dir, 'empty.json') },
    }),
    isCode('REGISTRY_AUTH_FILE_INVALID', /cannot read auth file/),
  );
  await writeFile(path.join(dir, 'none.json'), '{"auths":{}}');
  await assert.rejects(
    pullImage(other, `${reg.host}/team/busybox:v1`, {
      settings: { ...settings, authFile: path.join(dir, 'none.json') },
    }),
    isCode('REGISTRY_AUTH_FAILED', /set credentials for 127\.0\.0\.1:\d+ in an auth file/),
  );
  await assert.rejects(
    pullImage(other, `${reg.host}/team/busybox:nope`, { settings }),
    isCode('REGISTRY_IMAGE_NOT_FOUND', /team\/busybox:nope not found.*MANIFEST_UNKNOWN/s),
  );
  assert.deepEqual(await storedBlobs(other), []);
});

test('token auth over HTTPS with a custom CA: one token per scope, multi-arch index resolves to amd64; without the CA a clear TLS error', async (t) => {
  const dir = await stateRoot(t);
  const tls = makeTlsFiles(dir);
  const ts = await startTokenServer(t, dir, { username: 'bob', password: 'pw', tls });
  const reg = await startRegistry(t, { auth: { token: ts }, tls });
  const certDir = path.join(dir, 'certs');
  await mkdir(certDir);
  await copyFile(tls.caFile, path.join(certDir, 'ca.crt'));
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/team/busybox:v1`, {
    creds: 'bob:pw',
    certDir,
  });
  await skopeoCopy(`oci:${layout}:multi`, `docker://${reg.host}/team/busybox:multi`, {
    creds: 'bob:pw',
    certDir,
    all: true,
  });
  const { layout: pods, up } = await podTestEnv(t);
  const root = pods.root;
  const auth = await authFile(dir, `https://${reg.host}`, 'bob', 'pw');
  const pushes = ts.issued.length;
  const r = await pullImage(root, `${reg.host}/team/busybox:v1`, {
    settings: settingsFor({ caFiles: [tls.caFile], authFile: auth }),
  });
  // Manifest, config and both layers with one token.
  const pulls = ts.issued.slice(pushes);
  assert.deepEqual(pulls, [{ scope: 'repository:team/busybox:pull', user: 'bob' }]);
  assert.ok(await getImage(root, r.name));

  // certs.d/<host:port>/ca.crt as podman reads it, for the index.
  const certsDir = path.join(dir, 'certs.d');
  await mkdir(path.join(certsDir, reg.host), { recursive: true });
  await copyFile(tls.caFile, path.join(certsDir, reg.host, 'ca.crt'));
  const events: PullEvent[] = [];
  const multi = await pullImage(root, `${reg.host}/team/busybox:multi`, {
    settings: settingsFor({ certsDir, authFile: auth }),
    onEvent: (e) => events.push(e),
  });
  assert.notEqual(multi.digest, multi.manifestDigest, 'the tag names an index');
  const rec = await getImage(root, multi.name);
  assert.ok(rec?.kind === 'oci');
  const resolved = events.find((e) => e.kind === 'resolved');
  assert.equal(resolved?.kind === 'resolved' && resolved.platformDigest, multi.manifestDigest);
  // The index is stored with the amd64 manifest it names; the arm64 one never is.
  const index = await readBlobJson<{ manifests: Descriptor[] }>(root, multi.digest);
  const arch = (a: string): string =>
    index.manifests.find((m) => m.platform?.architecture === a)?.digest ?? 'none';
  assert.equal(arch('amd64'), multi.manifestDigest);
  assert.equal(await hasBlob(root, arch('amd64')), true);
  assert.equal(await hasBlob(root, arch('arm64')), false);

  // By digest too; both run in a pod (the index's tag gives the amd64 image).
  const byDigest = `${reg.host}/team/busybox@${r.manifestDigest}`;
  await pullImage(root, byDigest, { settings: settingsFor({ certsDir, authFile: auth }) });
  const pod = await up(`
apiVersion: v1
kind: Pod
metadata: { name: token-pulled }
spec:
  restartPolicy: Never
  containers:
    - { name: multi, image: "${reg.host}/team/busybox:multi" }
    - { name: digest, image: "${byDigest}" }
`);
  const done = await waitForPod(pods, pod.uid, (x) => x.released, { timeoutMs: 90_000 });
  for (const [c, want] of [
    ['multi', 'amd64-image'],
    ['digest', 'from-the-registry'],
  ] as const) {
    const st = done.status.containerStatuses.find((s) => s.name === c);
    assert.equal(st?.state.terminated?.exitCode, 0, JSON.stringify(st));
    const lines: string[] = [];
    for await (const e of readLogs(containerLogPath(pods, pod.uid, c)))
      lines.push(e.line.toString('utf8'));
    assert.deepEqual(lines, [want]);
  }

  const fresh = await stateRoot(t);
  await assert.rejects(
    pullImage(fresh, `${reg.host}/team/busybox:v1`, { settings: settingsFor({ authFile: auth }) }),
    isCode('REGISTRY_TLS_FAILED', /--ca-file.*--insecure-registry/s),
  );
  await assert.rejects(
    pullImage(fresh, `${reg.host}/team/busybox:v1`, {
      settings: settingsFor({
        caFiles: [tls.caFile],
        authFile: await authFile(dir, reg.host, 'bob', 'bad'),
      }),
    }),
    isCode('REGISTRY_AUTH_FAILED', /token server .* refused/),
  );
  assert.deepEqual(await storedBlobs(fresh), []);
});

/** A proxy in front of `target` that lets `tamper` rewrite or fail each blob response. */
async function blobProxy(
  t: TestContext,
  target: string,
  tamper: (n: number, body: Buffer, res: http.ServerResponse) => Buffer | undefined,
): Promise<string> {
  let blobs = 0;
  const server = http.createServer((req, res) => {
    const up = http.request(
      `http://${target}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: target } },
      (ures) => {
        const chunks: Buffer[] = [];
        ures.on('data', (c: Buffer) => chunks.push(c));
        ures.on('end', () => {
          let body: Buffer | undefined = Buffer.concat(chunks);
          if (
            /\/blobs\/sha256:/.test(req.url ?? '') &&
            req.method === 'GET' &&
            ures.statusCode === 200
          )
            body = tamper(++blobs, body, res);
          if (body === undefined) return; // tamper answered
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          res.end(body);
        });
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return `127.0.0.1:${String(await listenOnLoopback(t, server))}`;
}

test('a registry serving a corrupted blob: digest error, no retry of it, nothing stored', async (t) => {
  const reg = await startRegistry(t);
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/busybox:v1`);
  const proxy = await blobProxy(t, reg.host, (_n, body) => {
    const copy = Buffer.from(body);
    const i = Math.floor(copy.length / 2);
    copy[i] = (copy[i] ?? 0) ^ 0xff;
    return copy;
  });
  const root = await stateRoot(t);
  const events: PullEvent[] = [];
  await assert.rejects(
    pullImage(root, `${proxy}/busybox:v1`, {
      settings: settingsFor({ insecureRegistries: [proxy] }),
      retry: FAST_RETRY,
      onEvent: (e) => events.push(e),
    }),
    isCode('IMAGE_DIGEST_MISMATCH', /does not match its digest.*nothing was stored/s),
  );
  assert.equal(events.filter((e) => e.kind === 'retry').length, 0);
  assert.deepEqual(await storedBlobs(root), []);
  assert.equal(await getImage(root, `${proxy}/busybox:v1`), undefined);
});

test('5xx answers and cut downloads are retried with backoff; a registry that stays down is a clear error', async (t) => {
  const reg = await startRegistry(t);
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/busybox:v1`);
  const proxy = await blobProxy(t, reg.host, (n, body, res) => {
    if (n === 1) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('busy');
      return undefined;
    }
    if (n === 2) {
      // Headers and half the body, then the connection drops.
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
      res.destroy();
      return undefined;
    }
    return body;
  });
  const root = await stateRoot(t);
  const events: PullEvent[] = [];
  const r = await pullImage(root, `${proxy}/busybox:v1`, {
    settings: settingsFor({ insecureRegistries: [proxy] }),
    retry: FAST_RETRY,
    concurrency: 1,
    onEvent: (e) => events.push(e),
  });
  assert.ok(await getImage(root, r.name));
  const retries = events.flatMap((e) => (e.kind === 'retry' ? [e.message] : []));
  assert.equal(retries.length, 2, retries.join('\n'));
  assert.match(retries[0] ?? '', /HTTP 503/);

  await reg.stop();
  await assert.rejects(
    pullImage(await stateRoot(t), `${reg.host}/busybox:v2`, {
      settings: settingsFor({ insecureRegistries: [reg.host] }),
      retry: FAST_RETRY,
    }),
    isCode('REGISTRY_UNREACHABLE', /cannot reach http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/s),
  );
});

test('blobs download concurrently, at most `concurrency` at a time; an abort stops the pull, leaving nothing', async (t) => {
  const reg = await startRegistry(t);
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/busybox:v1`);
  // Blob answers are held until every blob not yet served is waiting, or for 3 s: requests
  // the client may have in flight together all arrive within that, so the most that ever
  // wait at once is its concurrency (more would show as more, fewer as fewer).
  const BLOBS = 3;
  let served = 0;
  let most = 0;
  let pending: (() => void)[] = [];
  let fallback: NodeJS.Timeout | undefined;
  const release = (): void => {
    clearTimeout(fallback);
    served += pending.length;
    for (const send of pending) send();
    pending = [];
    fallback = undefined;
  };
  const proxy = await blobProxy(t, reg.host, (_n, body, res) => {
    pending.push(() => {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    });
    most = Math.max(most, pending.length);
    if (served + pending.length === BLOBS) release();
    else fallback ??= setTimeout(release, 3000).unref();
    return undefined;
  });
  const settings = settingsFor({ insecureRegistries: [proxy] });
  // Config + two layers: three blobs.
  await pullImage(await stateRoot(t), `${proxy}/busybox:v1`, { settings, concurrency: 2 });
  assert.equal(most, 2);
  most = 0;
  served = 0;
  await pullImage(await stateRoot(t), `${proxy}/busybox:v1`, { settings });
  assert.equal(most, 3, 'the default allows three');

  // An abort while downloads are in flight stops the pull at once; nothing stays behind.
  const root = await stateRoot(t);
  const ac = new AbortController();
  await assert.rejects(
    pullImage(root, `${proxy}/busybox:v1`, {
      settings,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.kind === 'blob' && e.phase === 'start') ac.abort(new Error('interrupted'));
      },
    }),
    (err: unknown) => err instanceof Error && !(err instanceof PodkitError),
  );
  assert.deepEqual(await readdir(blobsDir(root)).catch(() => []), []);
  assert.equal(await getImage(root, `${proxy}/busybox:v1`), undefined);
});

test('a registry nothing answers at: "unreachable", retried, never blamed on the name; as admission prints it', async (t) => {
  // A port on loopback that nothing listens on (below the ephemeral range: no other test's
  // connection holds it either).
  const host = `127.0.0.1:${String(await freeHostPort())}`;
  const events: PullEvent[] = [];
  const err = await pullError(await stateRoot(t), `${host}/app:1`, {
    settings: settingsFor({ insecureRegistries: [host] }),
    retry: FAST_RETRY,
    onEvent: (e) => events.push(e),
  });
  assert.equal(err.code, 'REGISTRY_UNREACHABLE');
  assert.match(err.message, new RegExp(`^the registry ${host} is unreachable: .*ECONNREFUSED`));
  assert.match(err.hint ?? '', /check that the registry runs .*tried 3 times/);
  assert.equal(events.filter((e) => e.kind === 'retry').length, 2);
  const printed = pullFailureMessage(`${host}/app:1`, err);
  assert.match(printed, new RegExp(`registry ${host} is unreachable`));
  assert.doesNotMatch(printed, /registry name|no such host|\n\s+at /);
});

test('a plain-HTTP registry not marked insecure: said once, not retried over HTTPS, with how to allow it', async (t) => {
  const reg = await startRegistry(t);
  await skopeoCopy(`oci:${layout}:v1`, `docker://${reg.host}/busybox:v1`);
  const root = await stateRoot(t);
  // The settings as `podkit up` loads them: its state root's registries.json (absent here).
  const settings = await loadRegistrySettings(root, { certsDir: path.join(work, 'no-certs.d') });
  const events: PullEvent[] = [];
  const err = await pullError(root, `${reg.host}/busybox:v1`, {
    settings,
    retry: FAST_RETRY,
    onEvent: (e) => events.push(e),
  });
  assert.equal(err.code, 'REGISTRY_TLS_FAILED');
  assert.equal(
    err.message.split(';')[0],
    `${reg.host} answers plain HTTP, not HTTPS (the TLS handshake got an HTTP reply)`,
  );
  assert.deepEqual(
    events.filter((e) => e.kind === 'retry'),
    [],
  );
  const file = path.join(root, 'registries.json');
  assert.ok(err.hint?.includes(`--insecure-registry ${reg.host}`), err.hint);
  assert.ok(err.hint?.includes(`${file}: {"insecureRegistries": ["${reg.host}"]}`), err.hint);
  // Doing what it says makes the pull work.
  await writeFile(file, JSON.stringify({ insecureRegistries: [reg.host] }));
  const r = await pullImage(root, `${reg.host}/busybox:v1`, {
    settings: await loadRegistrySettings(root, { certsDir: path.join(work, 'no-certs.d') }),
  });
  assert.ok(await getImage(root, r.name));
});

test('a registry whose name does not resolve (as on an offline machine): "unreachable", the machine may be offline', async (t) => {
  // `.invalid` never resolves (RFC 6761): what every registry name looks like offline.
  const host = 'registry.podkit-test.invalid:5000';
  const err = await pullError(await stateRoot(t), `${host}/app:1`, {
    settings: settingsFor({}),
    retry: FAST_RETRY,
  });
  assert.equal(err.code, 'REGISTRY_UNREACHABLE');
  assert.match(
    err.message,
    new RegExp(`^the registry ${host} is unreachable: its name does not resolve`),
  );
  assert.match(err.hint ?? '', /offline or without DNS/);
  assert.doesNotMatch(
    pullFailureMessage(`${host}/app:1`, err),
    /check the registry name|no such host/,
  );
});
