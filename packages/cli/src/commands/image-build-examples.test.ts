import assert from 'node:assert/strict';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AgentClient } from '@podkit/agent/client';
import { runCommand } from '@podkit/runtime';
import { listPods } from '../agent-access.js';
import { runCli } from '../run-cli.js';
import { REPO, capture, cliTestEnv, type CliTestEnv } from '../testing/cli-test-env.js';
import { until } from '../testing/until.js';

// The examples run from the images `podkit image build-node` makes offline (real OCI
// layouts, loaded with `podkit image load`), not from host images: what a cluster would run.
const GIT_SYNC = 'ghcr.io/podkit/git-sync:0.1.0';
const PUSH_TO_DEPLOY = path.join(REPO, 'examples', 'push-to-deploy');
const AMBASSADOR = 'ghcr.io/podkit/redis-ambassador:0.1.0';
const REDIS_EXAMPLE = path.join(REPO, 'examples', 'redis-ambassador');
const LOG_ADAPTER = 'ghcr.io/podkit/log-adapter:0.1.0';
const METRICS_ADAPTER = 'ghcr.io/podkit/metrics-adapter:0.1.0';
const NGINX_EXAMPLE = path.join(REPO, 'examples', 'monitoring-adapter', 'nginx.yaml');

let parent = '';
const layouts = { gitSync: '', ambassador: '', logAdapter: '', metricsAdapter: '' };

async function buildNode(name: string, includes: readonly string[]): Promise<string> {
  const out = path.join(parent, `${name}.oci`);
  const c = capture();
  const code = await runCli(
    [
      'image',
      'build-node',
      path.join(REPO, 'containers', name),
      '--context',
      REPO,
      '-o',
      out,
      ...includes.flatMap((p) => ['--include', p]),
    ],
    c.io,
  );
  assert.equal(code, 0, c.err());
  return out;
}

before(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'podkit-build-examples-'));
  // What the Containerfile's `apt-get install git openssh-client ca-certificates` gives
  // git-sync, from this host: git with its helper programs (upload-pack, which serves a
  // file:// remote) and templates, ssh, and a shell for hooks and GIT_SSH_COMMAND (the CA
  // bundle is in every build-node image).
  const gitSyncIncludes = [
    '/usr/bin/git',
    '/usr/bin/git-upload-pack',
    '/usr/lib/git-core',
    '/usr/share/git-core',
    '/usr/bin/ssh',
    '/bin/sh',
  ];
  [layouts.gitSync, layouts.ambassador, layouts.logAdapter, layouts.metricsAdapter] =
    await Promise.all([
      buildNode('git-sync', gitSyncIncludes),
      buildNode('redis-ambassador', []),
      buildNode('log-adapter', []),
      buildNode('metrics-adapter', []),
    ]);
});
after(() => rm(parent, { recursive: true, force: true }));

/** The running pod labelled `app=APP` (a Deployment's): its name and IP on the test's bridge. */
async function podOf(env: CliTestEnv, app: string): Promise<{ name: string; ip: string }> {
  const pods = (await listPods(new AgentClient(env.root))).filter(
    (p) => !p.released && p.pod.metadata.labels['app'] === app,
  );
  assert.equal(pods.length, 1, `one pod of app=${app}: ${pods.map((p) => p.name).join(', ')}`);
  const ip = pods[0]?.status.podIP;
  assert.ok(ip !== undefined && ip !== '', `no pod IP for app=${app}`);
  return { name: pods[0]?.name ?? '', ip };
}

/** The ClusterIP `podkit up` reports for `service/NAME` (reachable from this host). */
function clusterIp(upOutput: string, service: string): string {
  const m = new RegExp(`^service/${service} applied \\(ClusterIP ([\\d.]+)\\)`, 'm').exec(upOutput);
  assert.ok(m?.[1] !== undefined, `no ClusterIP for service/${service} in: ${upOutput}`);
  return m[1];
}

/** skopeo reads the layout as any image; then `podkit image load` replaces the host image. */
async function load(env: CliTestEnv, layout: string, name: string): Promise<void> {
  const inspect = JSON.parse((await runCommand(['skopeo', 'inspect', `oci:${layout}`])).stdout) as {
    Labels: Record<string, string>;
    Layers: string[];
  };
  assert.equal(inspect.Layers.length, 2, 'runtime + the bundled bin, no node_modules');
  assert.equal(
    inspect.Labels['org.opencontainers.image.title'],
    `podkit-${path.basename(layout, '.oci')}`,
  );
  const r = await env.run(['image', 'load', layout]);
  assert.equal(r.code, 0, r.err());
  const ls = await env.run(['image', 'ls', '-o', 'json']);
  const images = (JSON.parse(ls.out()) as { images: { name: string; kind: string }[] }).images;
  assert.ok(
    images.some((i) => i.name === name && i.kind === 'oci'),
    `${name} loaded as an oci image: ${ls.out()}`,
  );
}

/** nginx from this host, as scripts/demo.sh and examples/monitoring-adapter define it. */
async function addHostNginx(env: CliTestEnv): Promise<void> {
  const r = await env.run([
    'image',
    'add',
    'docker.io/library/nginx:1.22',
    '--host',
    '--entrypoint',
    '["nginx","-g","daemon off; error_log stderr;"]',
    '--stop-signal',
    'SIGQUIT',
  ]);
  assert.equal(r.code, 0, r.err());
}

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the manifest no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

test('push-to-deploy from the OCI git-sync image (uid 65532, a root-owned hostPath remote): served through its Service, a push reaches the page through the webhook', async (t) => {
  const env = await cliTestEnv(t);
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-ptd-oci-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await load(env, layouts.gitSync, GIT_SYNC);
  await addHostNginx(env);

  // The demo's bare repository (root's, as a hostPath is) with its post-receive hook.
  const bare = path.join(dir, 'site.git');
  const work = path.join(dir, 'work');
  const git = async (args: string[], cwd = work): Promise<string> =>
    (
      await runCommand(['git', '-c', 'user.name=t', '-c', 'user.email=t@podkit.invalid', ...args], {
        cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' },
      })
    ).stdout;
  await git(['init', '--quiet', '--bare', '--initial-branch=main', bare], dir);
  await copyFile(
    path.join(PUSH_TO_DEPLOY, 'post-receive'),
    path.join(bare, 'hooks', 'post-receive'),
  );
  await chmod(path.join(bare, 'hooks', 'post-receive'), 0o755);
  await git(['config', 'podkit.webhookToken', 'push-to-deploy-demo-token'], bare);
  await git(['init', '--quiet', '--initial-branch=main', work], dir);
  await git(['remote', 'add', 'origin', bare]);
  await writeFile(path.join(work, 'index.html'), '<h1>version 1</h1>\n');
  await git(['add', 'index.html']);
  await git(['commit', '--quiet', '-m', 'version 1']);
  await git(['push', '--quiet', 'origin', 'main']);

  // The example as a cluster gets it (`kube export`: no hostPorts, which other tests' servers
  // may hold here), keeping its hostPath, which points at this test's repository; a 1 h
  // period, so that only the webhook can bring the push in time.
  const exported = await env.run([
    'kube',
    'export',
    '-f',
    path.join(PUSH_TO_DEPLOY, 'app.yaml'),
    '--keep-host-paths',
  ]);
  assert.equal(exported.code, 0, exported.err());
  assert.doesNotMatch(exported.out(), /hostPort/);
  let manifest = replaceOnce(exported.out(), 'path: /srv/podkit-demo/site.git', `path: ${bare}`);
  manifest = replaceOnce(manifest, '--period=10s', '--period=1h');
  assert.match(manifest, new RegExp(`image: ${GIT_SYNC}`));
  const file = await env.manifest('push-to-deploy.yaml', manifest);
  const up = await env.run(['up', '-d', '-f', file, '--timeout', '3m']);
  assert.equal(up.code, 0, up.err());

  // The page and the webhook through the Service's ClusterIP (this host is on the pod network).
  const vip = clusterIp(up.out(), 'push-to-deploy');
  const pod = await podOf(env, 'push-to-deploy');
  const page = async (): Promise<string> => {
    const res = await fetch(`http://${vip}/`, { signal: AbortSignal.timeout(5000) });
    return `${res.status} ${(await res.text()).trim()}`;
  };
  await until(
    async () => ((await page()) === '200 <h1>version 1</h1>' ? true : undefined),
    'version 1 on the page',
  );
  const dotGit = await fetch(`http://${vip}/.git`, { signal: AbortSignal.timeout(5000) });
  assert.equal(dotGit.status, 404, 'dotfiles are never served');

  // git-sync runs as the image's user, from the image's node, on a repository it does not own.
  const inSidecar = (...cmd: string[]) =>
    env.spawn(['exec', pod.name, '-c', 'git-sync', '--', ...cmd]);
  const id = inSidecar(
    'node',
    '-e',
    'const fs = require("fs"); console.log(process.getuid(), process.execPath, fs.statSync("/srv/repo.git").uid)',
  );
  assert.equal(id.status, 0, id.stderr);
  assert.equal(id.stdout, '65532 /usr/local/bin/node 0\n');
  const tools = inSidecar('/bin/sh', '-c', 'git --version && ssh -V');
  assert.equal(tools.status, 0, tools.stderr);
  assert.match(tools.stdout, /^git version \d/);
  assert.match(tools.stderr, /^OpenSSH_/);

  // Push v2: the hook calls the sidecar's webhook through the Service; the page follows.
  await git(['config', 'podkit.webhookUrl', `http://${vip}:8081/webhook`], bare);
  await writeFile(path.join(work, 'index.html'), '<h1>version 2</h1>\n');
  await git(['commit', '--quiet', '-am', 'version 2']);
  const pushed = await runCommand(['git', '-C', work, 'push', 'origin', 'main'], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' },
  });
  assert.match(pushed.stderr, /remote: webhook: refs\/heads\/main -> 202/);
  const v2 = (await git(['rev-parse', 'HEAD'])).trim();
  await until(
    async () => ((await page()) === '200 <h1>version 2</h1>' ? true : undefined),
    'version 2 on the page (period 1 h: only the webhook can do it)',
  );
  const logs = await env.run(['logs', 'deploy/push-to-deploy', '-c', 'git-sync']);
  assert.match(logs.out(), new RegExp(`"published","sha":"${v2}"`));
});

/** A Redis node or Sentinel at a pod's IP. */
interface RedisAddr {
  host: string;
  port: number;
}

/** `redis-cli -h HOST -p PORT ARGS…`: its output, one value per line. */
async function redisCli(at: RedisAddr, ...args: string[]): Promise<string[]> {
  const out = await runCommand(['redis-cli', '-h', at.host, '-p', String(at.port), ...args]);
  return out.stdout.trim().split('\n');
}

/** One section of INFO as a map. */
async function redisInfo(at: RedisAddr, section: string): Promise<Map<string, string>> {
  const lines = await redisCli(at, 'INFO', section);
  return new Map(
    lines.flatMap((l) => {
      const i = l.indexOf(':');
      return i === -1 || l.startsWith('#') ? [] : [[l.slice(0, i), l.slice(i + 1).trim()]];
    }),
  );
}

/**
 * WAIT waits for its own connection's writes only: a write and its undo on the same
 * connection first, so that every earlier write (any connection's) is acknowledged too.
 */
async function waitReplicated(master: RedisAddr, replicas: number): Promise<void> {
  const out = await runCommand(['redis-cli', '-h', master.host, '-p', String(master.port)], {
    input: `SET podkit:replicated 1\nDEL podkit:replicated\nWAIT ${replicas} 5000\n`,
  });
  assert.equal(out.stdout.trim().split('\n').at(-1), String(replicas), out.stdout);
}

test('redis-ambassador example from the OCI redis-ambassador image: the whole app (app.yaml) Ready, the app writes to the master and reads from the replicas through it', async (t) => {
  const env = await cliTestEnv(t);
  await load(env, layouts.ambassador, AMBASSADOR);
  for (const argv of [
    ['docker.io/library/redis:7.0', '--entrypoint', '["redis-server"]'],
    [
      'example.com/podkit/redis-demo-app:0.1.0',
      '--entrypoint',
      JSON.stringify(['node', path.join(REDIS_EXAMPLE, 'app.js')]),
      '--keep',
      REPO,
    ],
  ]) {
    const r = await env.run(['image', 'add', argv[0] ?? '', '--host', ...argv.slice(1)]);
    assert.equal(r.code, 0, r.err());
  }
  // The whole app as a cluster gets it (no hostPorts, which a running example may hold here):
  // the Redis StatefulSet, the Sentinels, the app with the ambassador from its OCI image.
  const exported = await env.run(['kube', 'export', '-f', path.join(REDIS_EXAMPLE, 'app.yaml')]);
  assert.equal(exported.code, 0, exported.err());
  assert.doesNotMatch(exported.out(), /hostPort/);
  assert.match(exported.out(), new RegExp(`image: ${AMBASSADOR}`));
  const file = await env.manifest('redis-app.yaml', exported.out());
  const up = await env.run(['up', '--wait', '-f', file, '--timeout', '3m']);
  assert.equal(up.code, 0, up.err());

  const pods = await listPods(new AgentClient(env.root));
  const ipOf = (name: string): string => {
    const ip = pods.find((p) => p.name === name && !p.released)?.status.podIP;
    assert.ok(ip !== undefined && ip !== '', `${name} has an IP`);
    return ip;
  };
  const nodes = ['redis-0', 'redis-1', 'redis-2'].map((n) => ({ host: ipOf(n), port: 6379 }));
  const [master] = nodes;
  assert.ok(master !== undefined);
  // Sentinels name redis-0 (the first start) as master, and it has both replicas.
  const sentinels = pods.filter((p) => p.pod.metadata.labels['app'] === 'redis-sentinel');
  assert.equal(sentinels.length, 3);
  for (const s of sentinels) {
    const addr = await redisCli(
      { host: s.status.podIP ?? '', port: 26379 },
      'SENTINEL',
      'get-master-addr-by-name',
      'mymaster',
    );
    assert.deepEqual(addr, [master.host, '6379']);
  }
  assert.equal((await redisInfo(master, 'replication')).get('connected_slaves'), '2');

  // The ambassador runs as the image's user, on the image's node.
  const app = await podOf(env, 'redis-app');
  const id = env.spawn([
    'exec',
    app.name,
    '-c',
    'redis-ambassador',
    '--',
    'node',
    '-e',
    'console.log(process.getuid(), process.execPath)',
  ]);
  assert.equal(id.status, 0, id.stderr);
  assert.equal(id.stdout, '65532 /usr/local/bin/node\n');

  const call = async (method: string, route: string): Promise<unknown> => {
    const res = await fetch(`http://${app.ip}:8080${route}`, {
      method,
      signal: AbortSignal.timeout(5000),
    });
    if (res.status !== 200) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  assert.deepEqual(await redisCli(master, 'SET', 'motd', 'hello from the master'), ['OK']);
  await waitReplicated(master, 2);

  // A write through the app lands on the master.
  assert.deepEqual(await call('POST', '/visit'), { visits: 1 });
  assert.deepEqual(await redisCli(master, 'GET', 'visits'), ['1']);
  await waitReplicated(master, 2);

  // Reads through the app land on the replicas (INFO commandstats of each node).
  const mgets = async (n: { host: string; port: number }): Promise<number> =>
    Number(
      /calls=(\d+)/.exec((await redisInfo(n, 'commandstats')).get('cmdstat_mget') ?? '')?.[1] ?? 0,
    );
  const before = await Promise.all(nodes.map(mgets));
  for (let i = 0; i < 100; i++) {
    assert.deepEqual(await call('GET', '/'), { visits: 1, motd: 'hello from the master' });
  }
  const after = await Promise.all(nodes.map(mgets));
  const [onMaster = 0, onR1 = 0, onR2 = 0] = after.map((n, i) => n - (before[i] ?? 0));
  t.diagnostic(`MGET of 100 page views: master ${onMaster}, replicas ${onR1} + ${onR2}`);
  assert.equal(onMaster + onR1 + onR2, 100);
  assert.ok(onR1 > 0 && onR2 > 0, 'both replicas serve reads');
  assert.ok(onR1 + onR2 >= 95, `only ${onR1 + onR2} of 100 reads on replicas`);
  // The ambassador's own count, on its metrics port at the pod's IP.
  const metrics = await (await fetch(`http://${app.ip}:9121/metrics`)).text();
  assert.match(metrics, /redis_ambassador_commands_total\{route="replica"\} [1-9]/);
});

/** One sample of a Prometheus text exposition (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sends `raw` to ip:port as it is and returns the response's status line. */
function rawRequest(ip: string, port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(port, ip, () => socket.end(raw));
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer from ${ip}:${port}`)));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(got.split('\r\n')[0] ?? '');
    });
  });
}

test('nginx monitoring example from the OCI log-adapter and metrics-adapter images: access-log lines normalised, requests counted by status', async (t) => {
  const env = await cliTestEnv(t);
  await load(env, layouts.logAdapter, LOG_ADAPTER);
  await load(env, layouts.metricsAdapter, METRICS_ADAPTER);
  await addHostNginx(env);
  // The example as a cluster gets it (no hostPort 29280, which a running example may hold
  // here): the Deployment of nginx and its two adapters, reached through its Service.
  const exported = await env.run(['kube', 'export', '-f', NGINX_EXAMPLE]);
  assert.equal(exported.code, 0, exported.err());
  assert.doesNotMatch(exported.out(), /hostPort/);
  assert.match(exported.out(), new RegExp(`image: ${LOG_ADAPTER}`));
  assert.match(exported.out(), new RegExp(`image: ${METRICS_ADAPTER}`));
  const file = await env.manifest('nginx.yaml', exported.out());
  const up = await env.run(['up', '-d', '-f', file, '--timeout', '3m']);
  assert.equal(up.code, 0, up.err());

  const { name: nginxPod, ip: podAddress } = await podOf(env, 'nginx-monitored');
  // The Service's ClusterIP: port 80 is nginx's 8080, 9113 and 9114 the adapters'.
  const ip = clusterIp(up.out(), 'nginx-monitored');
  const get = async (route: string): Promise<string> => {
    const res = await fetch(`http://${ip}${route}`, { signal: AbortSignal.timeout(5000) });
    return `${res.status} ${await res.text()}`;
  };
  const metrics = async (port: number): Promise<string> => {
    const res = await fetch(`http://${ip}:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) throw new Error(`:${port}/metrics: ${res.status}`);
    return res.text();
  };
  const ok = 'nginx_log_http_requests_total{status="200"}';
  // The adapter follows the log from its end (tail -F) once it has opened it: requests until
  // it has counted one.
  await until(async () => {
    assert.equal(await get('/warm-up'), '200 hello from the nginx pod\n');
    return (sample(await metrics(9114), ok) ?? 0) >= 1 ? true : undefined;
  }, 'the log adapter to count a request');
  const before = sample(await metrics(9114), ok) ?? 0;

  // Five requests served, two the server rejects (400, a request line that is no HTTP).
  const paths = [1, 2, 3, 4, 5].map((i) => `/oci-log-adapter/${i}?q=${i}`);
  for (const p of paths) assert.equal(await get(p), '200 hello from the nginx pod\n');
  for (let i = 0; i < 2; i++) {
    assert.match(await rawRequest(ip, 80, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
  }

  // The log adapter's metrics, derived from the access log: requests by status code.
  const counted = await until(async () => {
    const text = await metrics(9114);
    return sample(text, 'nginx_log_http_requests_total{status="400"}') === 2 &&
      (sample(text, ok) ?? 0) >= before + paths.length
      ? text
      : undefined;
  }, 'the log adapter to count 5 more 200s and two 400s');
  assert.equal(sample(counted, 'nginx_log_lines_total{result="parse_error"}') ?? 0, 0);
  const parsed = sample(counted, 'nginx_log_lines_total{result="parsed"}') ?? 0;
  assert.equal(sample(counted, 'nginx_log_http_request_duration_seconds_count'), parsed);
  assert.ok(parsed >= before + paths.length + 2, `${parsed} lines parsed`);

  // Its stdout: one JSON object per request, typed fields, the pod's label.
  const logs = await env.run(['logs', nginxPod, '-c', 'log-adapter']);
  assert.equal(logs.code, 0, logs.err());
  const records = logs
    .out()
    .split('\n')
    .filter((l) => l.includes('"format":"nginx"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  // Service connections are masqueraded: nginx sees the bridge's gateway as the client.
  const gateway = podAddress.replace(/\.\d+$/, '.1');
  for (const p of paths) {
    const mine = records.filter((r) => r['path'] === p);
    assert.equal(mine.length, 1, `one record for ${p}: ${logs.out()}`);
    const r = mine[0] ?? {};
    // The pod label is the pod's own name ($(POD_NAME) from the downward API).
    assert.deepEqual(r['source'], { pod: nginxPod, file: '/var/log/pod/access.log' });
    assert.equal(r['method'], 'GET');
    assert.equal(r['protocol'], 'HTTP/1.1');
    assert.equal(r['status'], 200);
    assert.equal(r['body_bytes_sent'], 'hello from the nginx pod\n'.length);
    assert.equal(r['remote_addr'], gateway);
    assert.equal(r['referer'], null);
    assert.equal(typeof r['request_time'], 'number');
    assert.match(String(r['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  }
  const rejected = records.filter((r) => r['status'] === 400);
  assert.equal(rejected.length, 2, logs.out());
  for (const r of rejected) {
    assert.equal(r['request'], 'GARBAGE');
    assert.equal(r['method'], null);
  }

  // The metrics adapter beside it: stub_status as nginx-prometheus-exporter's metrics.
  await until(async () => {
    const text = await metrics(9113);
    return sample(text, 'nginx_up') === 1 &&
      (sample(text, 'nginx_http_requests_total') ?? 0) >= before + paths.length + 2
      ? true
      : undefined;
  }, 'nginx_up 1 and the requests in nginx_http_requests_total');

  // Both adapters run as their image's user, on their image's node.
  for (const c of ['log-adapter', 'metrics-adapter']) {
    const id = env.spawn([
      'exec',
      nginxPod,
      '-c',
      c,
      '--',
      'node',
      '-e',
      'console.log(process.getuid(), process.execPath)',
    ]);
    assert.equal(id.status, 0, id.stderr);
    assert.equal(id.stdout, '65532 /usr/local/bin/node\n', c);
  }
});
