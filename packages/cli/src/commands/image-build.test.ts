import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '@podkit/runtime';
import { finalStageConfig, parseContainerfile } from '@podkit/runtime/images';
import { runCli } from '../run-cli.js';
import { REPO, capture, cliTestEnv } from '../testing/cli-test-env.js';

const IMAGE = 'ghcr.io/podkit/metrics-adapter:0.1.0';
const CONTAINERFILE = path.join(REPO, 'containers', 'metrics-adapter', 'Containerfile');
const REDIS_EXAMPLE = path.join(REPO, 'examples', 'monitoring-adapter', 'redis.yaml');

async function podkit(argv: string[]) {
  const c = capture();
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** `podkit image build-node CONTAINERFILE --name NAME --context REPO -o OUT`. */
function buildNamed(containerfile: string, name: string, out: string) {
  return podkit([
    'image',
    'build-node',
    containerfile,
    '--name',
    name,
    '--context',
    REPO,
    '-o',
    out,
  ]);
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-build-node-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// `podkit image build-node containers/metrics-adapter -o DIR`, built once for the file's tests.
let layoutDir = '';
let buildOutput = '';
before(async () => {
  const parent = await mkdtemp(path.join(tmpdir(), 'podkit-build-node-'));
  layoutDir = path.join(parent, 'metrics-adapter.oci');
  const r = await podkit([
    'image',
    'build-node',
    path.dirname(CONTAINERFILE),
    '--context',
    REPO,
    '-o',
    layoutDir,
    // A host program with its libraries, through merged-/usr links (/bin → usr/bin, sh → dash).
    '--include',
    '/bin/sh',
  ]);
  assert.equal(r.code, 0, r.err);
  buildOutput = r.out;
});
after(() => rm(path.dirname(layoutDir), { recursive: true, force: true }));

interface SkopeoConfig {
  architecture: string;
  os: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[];
    WorkingDir?: string;
    StopSignal?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, unknown>;
  };
  rootfs: { diff_ids: string[] };
  history: { created_by?: string }[];
}

test('build-node: a layered OCI layout that skopeo reads, with the Containerfile config', async (t) => {
  assert.match(buildOutput, new RegExp(`^built ${IMAGE} sha256:[0-9a-f]{64} → oci:${layoutDir}\n`));
  assert.match(buildOutput, /layer 2: .*packages\/adapters \(dist\/bundle\)/);
  assert.doesNotMatch(buildOutput, /layer 3/);
  const dir = layoutDir;
  const copy = path.join(await tempDir(t), 'copy.oci');
  const inspect = await runCommand(['skopeo', 'inspect', `oci:${dir}`]);
  const manifest = JSON.parse(inspect.stdout) as {
    Layers: string[];
    Labels: Record<string, string>;
  };
  assert.equal(manifest.Layers.length, 2);
  const raw = await runCommand(['skopeo', 'inspect', '--config', `oci:${dir}`]);
  const config = JSON.parse(raw.stdout) as SkopeoConfig;
  const want = finalStageConfig(parseContainerfile(await readFile(CONTAINERFILE, 'utf8')));
  assert.equal(config.os, 'linux');
  assert.deepEqual(config.config.Entrypoint, want.entrypoint);
  assert.equal(config.config.User, want.user);
  assert.equal(config.config.User, '65532:65532');
  assert.equal(config.config.StopSignal, 'SIGTERM');
  assert.equal(config.config.WorkingDir, want.workingDir);
  assert.deepEqual(config.config.Labels, want.labels);
  assert.deepEqual(Object.keys(config.config.ExposedPorts ?? {}), want.exposedPorts);
  assert.ok(config.config.Env?.includes('NODE_ENV=production'));
  assert.ok(config.config.Env?.some((e) => e.startsWith('PATH=')));
  assert.equal(config.rootfs.diff_ids.length, 2);
  // The bundled bin is self-contained: no node_modules layer.
  assert.deepEqual(
    config.history.map((h) => (h.created_by ?? '').replace(/\d+/g, 'N')),
    [
      'podkit build-node: node vN.N.N + N shared libraries, /etc',
      'podkit build-node: packages/adapters (dist/bundle)',
    ],
  );
  // skopeo copies it like any image (e.g. to a registry); here: to another layout.
  await runCommand(['skopeo', 'copy', '--quiet', `oci:${dir}`, `oci:${copy}:${IMAGE}`]);
  const copied = JSON.parse((await runCommand(['skopeo', 'inspect', `oci:${copy}`])).stdout) as {
    Layers: string[];
  };
  assert.deepEqual(copied.Layers, manifest.Layers);
});

test('build-node: an unbundled entrypoint (the tsc output) gets its node_modules and workspace dist', async (t) => {
  const dir = await tempDir(t);
  const containerfile = path.join(dir, 'Containerfile');
  await writeFile(
    containerfile,
    (await readFile(CONTAINERFILE, 'utf8')).replace(
      /^ENTRYPOINT .*$/m,
      'ENTRYPOINT ["node", "/app/packages/adapters/dist/metrics-main.js"]',
    ),
  );
  const r = await buildNamed(containerfile, 'x/unbundled:1', path.join(dir, 'unbundled.oci'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /layer 2: .*production packages \(node_modules\)/);
  assert.match(r.out, /layer 3: .*packages\/adapters, packages\/kit \(dist\)/);
});

test('build-node: what it cannot build is a usage error, and nothing is left', async (t) => {
  const dir = await tempDir(t);
  const bad = path.join(dir, 'Containerfile');
  await writeFile(bad, 'FROM node:20-slim AS b\nFROM node:20-slim\nENTRYPOINT ["nginx"]\n');
  const out = path.join(dir, 'out.oci');
  const r = await buildNamed(bad, 'x/bad:1', out);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /ENTRYPOINT must be \["node", "\/app\/packages\/<package>\/dist\/<main>\.js"\]/,
  );
  await assert.rejects(readFile(path.join(out, 'index.json')));

  const full = path.join(dir, 'full');
  await mkdir(full);
  await writeFile(path.join(full, 'x'), '');
  const f = await podkit(['image', 'build-node', CONTAINERFILE, '--context', REPO, '-o', full]);
  assert.equal(f.code, 2);
  assert.match(f.err, /full is not empty/);
});

test('build-node image loads into podkit and runs the redis monitoring example, exported', async (t) => {
  const env = await cliTestEnv(t);
  const load = await env.run(['image', 'load', layoutDir]);
  assert.equal(load.code, 0, load.err());
  const ls = await env.run(['image', 'ls', '-o', 'json']);
  const images = (JSON.parse(ls.out()) as { images: { name: string; kind: string }[] }).images;
  assert.ok(
    images.some((i) => i.name === IMAGE && i.kind === 'oci'),
    `loaded as an oci image: ${ls.out()}`,
  );
  // Redis from this host, as the example's README does; the adapter from the OCI image.
  const redis = await env.run([
    'image',
    'add',
    'docker.io/library/redis:7.0',
    '--host',
    '--entrypoint',
    '["redis-server"]',
  ]);
  assert.equal(redis.code, 0, redis.err());
  // The example as a cluster would get it (`kube export`): the Deployment and its Service.
  const exported = await env.run(['kube', 'export', '-f', REDIS_EXAMPLE]);
  assert.equal(exported.code, 0, exported.err());
  assert.match(exported.out(), new RegExp(`image: ${IMAGE}`));
  const file = await env.manifest('redis.yaml', exported.out());
  const up = await env.run(['up', '-d', '-f', file, '--timeout', '3m']);
  assert.equal(up.code, 0, up.err());

  // Inside the pod: the adapter (node from the image's own layers) serves redis_exporter's
  // metrics read from the redis container over the pod's loopback.
  const inAdapter = (...cmd: string[]) =>
    env.spawn(['exec', 'deploy/redis-monitored', '-c', 'metrics-adapter', '--', ...cmd]);
  const scrape = () =>
    inAdapter(
      'node',
      '-e',
      'fetch("http://127.0.0.1:9121/metrics").then((r) => r.text()).then((t) => console.log(t), () => process.exit(1))',
    );
  let metrics = scrape();
  for (let i = 0; i < 300 && !/^redis_up 1$/m.test(metrics.stdout); i++) {
    await sleep(200);
    metrics = scrape();
  }
  assert.match(metrics.stdout, /^redis_up 1$/m, metrics.stderr);
  assert.match(metrics.stdout, /^redis_connected_clients \d+$/m);
  const id = inAdapter(
    'node',
    '-e',
    'console.log(process.getuid(), process.getgid(), process.execPath, process.cwd())',
  );
  assert.equal(id.status, 0, id.stderr);
  assert.equal(id.stdout, '65532 65532 /usr/local/bin/node /app\n');
  const sh = inAdapter('/bin/sh', '-c', 'echo $((6 * 7))');
  assert.equal(sh.status, 0, sh.stderr);
  assert.equal(sh.stdout, '42\n');
});
