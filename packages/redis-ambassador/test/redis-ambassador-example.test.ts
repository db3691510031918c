import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  freeHostPorts,
  hostResources,
  proxyTableName,
  reserveTestSubnet,
} from '@podkit/runtime/testing';
import { command, info, monitorNode, waitReplicated } from './redis-servers.js';

/*
 * examples/redis-ambassador as a whole application on podkit alone (app.yaml: a StatefulSet
 * of 3 Redis nodes, 3 Sentinels, the app Deployment with its ambassador), run by the shipped
 * `podkit` bundle on a state root and pod bridge of the test's own, with free host ports.
 */

const run = promisify(execFile);
const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), '../../../..');
const EXAMPLE = path.join(REPO_ROOT, 'examples/redis-ambassador');
const BUNDLE = path.join(REPO_ROOT, 'packages/cli/dist/bundle/podkit.js');
const AMBASSADOR_BIN = path.join(
  REPO_ROOT,
  'packages/redis-ambassador/dist/bundle/podkit-redis-ambassador.js',
);
/** The app's pods: 3 Redis nodes, 3 Sentinels, the app. */
const APP_PODS = 7;
const SERVICE_NAMES = [
  'redis.default.svc.cluster.local',
  'redis-sentinel.default.svc.cluster.local',
  'redis-0.redis.default.svc.cluster.local',
];

/** Polls `get` every 50 ms until it returns a value; fails after `ms` (a bound, not a timing check). */
async function until<T>(
  get: () => Promise<T | undefined> | T | undefined,
  what: string,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(get)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function replaceAll(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the manifest no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

interface PodRecord {
  name: string;
  pod: { metadata: { labels?: Record<string, string> } };
  status: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
  };
}

interface AppEnv {
  root: string;
  gateway: string;
  webPort: number;
  metricsPort: number;
  devPort: number;
  appFile: string;
  devFile: string;
  podkit: (...args: string[]) => Promise<{ stdout: string; stderr: string }>;
  /** The state root's pod records (what the agent keeps on disk). */
  pods: () => Promise<PodRecord[]>;
}

/**
 * A state root with its own bridge and /24, the example's images added, its manifests with
 * free host ports in place of the README's. Everything goes in t.after, even on failure.
 */
async function appEnv(t: TestContext): Promise<AppEnv> {
  for (const f of [BUNDLE, AMBASSADOR_BIN]) {
    await fs.access(f).catch(() => {
      assert.fail(`${f} is missing: run npm run build (scripts/setup.sh does)`);
    });
  }
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-redis-app-'));
  const hex = randomBytes(3).toString('hex');
  const bridge = `pkr${hex}`;
  const podkit = (...args: string[]) =>
    run(process.execPath, [BUNDLE, '--root', root, ...args], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 150_000,
    });
  t.after(async () => {
    for (const f of ['app.yaml', 'pod-dev.yaml'])
      await podkit('down', '--force', '-f', path.join(root, f)).catch(() => undefined);
    await podkit('gc').catch(() => undefined);
    await podkit('agent', 'stop').catch(() => undefined);
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
  });
  const subnet = await reserveTestSubnet(t);
  await fs.writeFile(
    path.join(root, 'network.json'),
    JSON.stringify({ name: `pkr-${hex}`, bridge, subnet }),
  );
  const [webPort = 0, metricsPort = 0, devPort = 0] = await freeHostPorts(3);
  let app = await fs.readFile(path.join(EXAMPLE, 'app.yaml'), 'utf8');
  app = replaceAll(app, 'hostPort: 29180', `hostPort: ${webPort}`);
  app = replaceAll(app, 'hostPort: 29121', `hostPort: ${metricsPort}`);
  const appFile = path.join(root, 'app.yaml');
  await fs.writeFile(appFile, app);
  let dev = await fs.readFile(path.join(EXAMPLE, 'pod-dev.yaml'), 'utf8');
  dev = replaceAll(dev, 'hostPort: 29181', `hostPort: ${devPort}`);
  const devFile = path.join(root, 'pod-dev.yaml');
  await fs.writeFile(devFile, dev);

  await podkit(
    'image',
    'add',
    'docker.io/library/redis:7.0',
    '--host',
    '--entrypoint',
    '["redis-server"]',
  );
  await podkit(
    'image',
    'add',
    'ghcr.io/podkit/redis-ambassador:0.1.0',
    '--host',
    '--keep',
    REPO_ROOT,
    '--entrypoint',
    JSON.stringify(['node', AMBASSADOR_BIN]),
  );
  await podkit(
    'image',
    'add',
    'example.com/podkit/redis-demo-app:0.1.0',
    '--host',
    '--keep',
    REPO_ROOT,
    '--entrypoint',
    JSON.stringify(['node', path.join(EXAMPLE, 'app.js')]),
  );
  const pods = async (): Promise<PodRecord[]> => {
    const dir = path.join(root, 'pods');
    const out: PodRecord[] = [];
    for (const uid of await fs.readdir(dir).catch(() => [])) {
      const text = await fs.readFile(path.join(dir, uid, 'pod.json'), 'utf8').catch(() => '');
      if (text !== '') out.push(JSON.parse(text) as PodRecord);
    }
    return out;
  };
  return {
    root,
    gateway: subnet.replace(/\.0\/24$/, '.1'),
    webPort,
    metricsPort,
    devPort,
    appFile,
    devFile,
    podkit,
    pods,
  };
}

const ready = (p: PodRecord): boolean =>
  p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** `podkit up --wait -f app.yaml`: its duration, and every pod of the app Ready after it. */
async function upApp(env: AppEnv): Promise<number> {
  const started = performance.now();
  await env.podkit('up', '--wait', '-f', env.appFile);
  const ms = performance.now() - started;
  const pods = await env.pods();
  assert.equal(pods.length, APP_PODS, `pods: ${pods.map((p) => p.name).join(', ')}`);
  assert.deepEqual(
    pods.filter((p) => !ready(p)).map((p) => p.name),
    [],
    'every pod Ready once up --wait returns',
  );
  return ms;
}

/** The cluster DNS's A records for `name` (empty for NXDOMAIN / no data). */
async function lookupA(gateway: string, name: string): Promise<string[]> {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([gateway]);
  try {
    return await r.resolve4(name);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw err;
  }
}

async function getJson(url: string, method = 'GET'): Promise<unknown> {
  const res = await fetch(url, { method, signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

test('examples/redis-ambassador: the whole app from up --wait to Ready, reads on the replicas, the failover of a deleted master pod, the dev variant', async (t) => {
  const env = await appEnv(t);
  const { stdout: valid } = await env.podkit('validate', env.appFile, env.devFile);
  assert.match(valid, /app\.yaml: valid/);
  assert.match(valid, /pod-dev\.yaml: valid/);

  const upMs = await upApp(env);
  t.diagnostic(`up --wait → all ${APP_PODS} pods Ready: ${upMs.toFixed(0)} ms`);
  const byName = async (name: string): Promise<PodRecord> => {
    const p = (await env.pods()).find((r) => r.name === name);
    assert.ok(p?.status.podIP, `${name} has an IP`);
    return p;
  };
  const node = async (name: string) => ({
    host: (await byName(name)).status.podIP ?? '',
    port: 6379,
  });
  const [n0, n1, n2] = [await node('redis-0'), await node('redis-1'), await node('redis-2')];
  const sentinels = (await env.pods())
    .filter((p) => p.pod.metadata.labels?.['app'] === 'redis-sentinel')
    .map((p) => ({ host: p.status.podIP ?? '', port: 26379 }));
  assert.equal(sentinels.length, 3);
  // The Sentinels monitor redis-0 (the first start), which has both replicas.
  for (const s of sentinels) {
    const addr = await command(s, ['SENTINEL', 'get-master-addr-by-name', 'mymaster']);
    assert.deepEqual(addr, [n0.host, '6379']);
  }
  assert.equal((await info(n0, 'replication')).get('connected_slaves'), '2');
  // The cluster DNS has the Services.
  assert.deepEqual(
    (await lookupA(env.gateway, 'redis-sentinel.default.svc.cluster.local')).sort(),
    sentinels.map((s) => s.host).sort(),
  );
  assert.deepEqual(await lookupA(env.gateway, 'redis-0.redis.default.svc.cluster.local'), [
    n0.host,
  ]);

  const app = `http://127.0.0.1:${String(env.webPort)}`;
  await command(n0, ['SET', 'motd', 'hello from the master']);
  assert.deepEqual(await getJson(`${app}/visit`, 'POST'), { visits: 1 });
  assert.equal(await command(n0, ['GET', 'visits']), '1');
  await waitReplicated(n0, 2);

  // 200 page views: their MGETs land on the replicas (INFO commandstats of each node).
  const mgets = async (n: { host: string; port: number }) =>
    Number(/calls=(\d+)/.exec((await info(n, 'commandstats')).get('cmdstat_mget') ?? '')?.[1] ?? 0);
  const before = await Promise.all([n0, n1, n2].map(mgets));
  for (let i = 0; i < 200; i++) {
    assert.deepEqual(await getJson(`${app}/`), { visits: 1, motd: 'hello from the master' });
  }
  const after = await Promise.all([n0, n1, n2].map(mgets));
  const [onMaster = 0, onR1 = 0, onR2 = 0] = after.map((n, i) => n - (before[i] ?? 0));
  t.diagnostic(`MGET of 200 page views: master ${onMaster}, replicas ${onR1} + ${onR2}`);
  assert.equal(onMaster + onR1 + onR2, 200);
  assert.ok(onR1 > 0 && onR2 > 0, 'both replicas serve reads');
  assert.ok(onR1 + onR2 >= 190, `only ${onR1 + onR2} of 200 reads on replicas`);
  const metrics = await (await fetch(`http://127.0.0.1:${String(env.metricsPort)}/metrics`)).text();
  assert.match(metrics, /redis_ambassador_commands_total\{route="replica"\} [1-9]/);

  // The failover: a steady write loop through the app while the master's pod is deleted.
  let acked = 1;
  let lastVisits = 1;
  let firstFailure: number | undefined;
  let resumedAt: number | undefined;
  let refused = 0;
  const writing = { on: true };
  const writer = (async () => {
    while (writing.on) {
      try {
        const { visits } = (await getJson(`${app}/visit`, 'POST')) as { visits: number };
        acked++;
        lastVisits = visits;
        if (firstFailure !== undefined && resumedAt === undefined) resumedAt = performance.now();
      } catch {
        refused++;
        firstFailure ??= performance.now();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  })();
  t.after(async () => {
    writing.on = false;
    await writer;
  });
  await until(() => (acked > 20 ? true : undefined), 'writes before the failover');
  const downStarted = performance.now();
  await env.podkit('down', 'redis-0');
  const podGone = performance.now();
  await until(() => (resumedAt !== undefined ? true : undefined), 'writes to resume', 30_000);
  const resumeMs = (resumedAt ?? 0) - (firstFailure ?? 0);
  const resumeSinceGone = (resumedAt ?? 0) - podGone;
  const msg =
    `writes resumed ${resumeMs.toFixed(0)} ms after the first refused one ` +
    `(${resumeSinceGone.toFixed(0)} ms after podkit down redis-0 returned; the down took ` +
    `${(podGone - downStarted).toFixed(0)} ms), ${String(refused)} refused meanwhile`;
  t.diagnostic(msg);
  assert.ok(resumeMs <= 5000, msg);
  // The Sentinels promoted a replica; the StatefulSet made redis-0 again, with a new IP. The
  // leader switches first and the others learn it from its hello messages a moment later (CI
  // once saw a Sentinel still naming the old master when the writes resumed): wait, bounded,
  // until all three name the same promoted replica.
  const named = async (): Promise<string[]> =>
    Promise.all(
      sentinels.map(async (s) => {
        const a = await command(s, ['SENTINEL', 'get-master-addr-by-name', 'mymaster']);
        return Array.isArray(a) && typeof a[0] === 'string' ? a[0] : '';
      }),
    );
  const newHost = await until(async () => {
    const hosts = await named();
    const first = hosts[0] ?? '';
    return [n1.host, n2.host].includes(first) && hosts.every((h) => h === first)
      ? first
      : undefined;
  }, 'every Sentinel naming a promoted replica');
  const newMaster = { host: newHost, port: 6379 };
  const back = await until(async () => {
    const p = (await env.pods()).find((r) => r.name === 'redis-0');
    return p && ready(p) && p.status.podIP !== n0.host ? p : undefined;
  }, 'redis-0 made again and Ready');
  const demoted = { host: back.status.podIP ?? '', port: 6379 };
  const repl = await info(demoted, 'replication');
  assert.equal(repl.get('role'), 'slave');
  assert.equal(repl.get('master_host'), newMaster.host);
  assert.equal(repl.get('master_link_status'), 'up');

  // 0 writes reached the demoted master: MONITOR on it while the writes go on shows INCRs
  // only from its master's replication link, and no client got READONLY from it.
  const monitor = monitorNode(demoted);
  t.after(() => {
    monitor.close();
  });
  await monitor.probe(['GET', 'monitor:probe']);
  const ackedBefore = acked;
  await until(() => (acked >= ackedBefore + 50 ? true : undefined), '50 more writes');
  writing.on = false;
  await writer;
  await waitReplicated(newMaster, 2);
  const incrs = monitor.lines().filter((l) => /"incr" "visits"/i.test(l));
  const fromClients = incrs.filter((l) => !l.includes(`[0 ${newMaster.host}:6379]`));
  t.diagnostic(
    `demoted master (redis-0, back as a replica): ${String(incrs.length)} INCRs replicated, ${String(fromClients.length)} from clients`,
  );
  assert.ok(incrs.length >= 50, 'MONITOR saw the replicated writes');
  assert.deepEqual(fromClients, [], 'a write reached the demoted master');
  assert.equal((await info(demoted, 'errorstats')).get('errorstat_READONLY'), undefined);
  // Every acknowledged write counted: none went to a node whose data was then dropped.
  assert.equal(lastVisits, acked);
  assert.equal(await command(newMaster, ['GET', 'visits']), String(acked));
  const afterFailover = await (
    await fetch(`http://127.0.0.1:${String(env.metricsPort)}/metrics`)
  ).text();
  assert.match(afterFailover, /^redis_ambassador_failovers_total 1$/m);
  await env.podkit('down', '-f', env.appFile);

  // The development variant: a plain redis-server in the ambassador's place, the app unchanged.
  await env.podkit('up', '--wait', '-f', env.devFile);
  const dev = `http://127.0.0.1:${String(env.devPort)}`;
  assert.deepEqual(await getJson(`${dev}/visit`, 'POST'), { visits: 1 });
  assert.deepEqual(await getJson(`${dev}/`), { visits: 1, motd: null });
  await env.podkit('down', '-f', env.devFile);
});

test('examples/redis-ambassador: 20 up --wait / down cycles of the app leave nothing behind', async (t) => {
  const env = await appEnv(t);
  const table = proxyTableName(env.root);
  const tables = async () => (await run('nft', ['list', 'tables'])).stdout;
  // The agent is started by the first `up` and stays: its process is not the app's.
  const snapshot = async () => {
    const status = await env.podkit('agent', 'status').catch(() => ({ stdout: '' }));
    const agent = Number(/pid (\d+)/.exec(status.stdout)?.[1] ?? 0);
    const r = await hostResources(env.root);
    return { ...r, processes: r.processes.filter((p) => p !== agent) };
  };
  const before = await snapshot();
  const cycles = 20;
  const started = performance.now();
  const upTimes: number[] = [];
  for (let i = 0; i < cycles; i++) {
    upTimes.push(await upApp(env));
    // While it runs: the DNS records are there.
    for (const name of SERVICE_NAMES) {
      assert.ok(
        (await lookupA(env.gateway, name)).length > 0,
        `cycle ${String(i)}: ${name} resolves`,
      );
    }
    await env.podkit('down', '-f', env.appFile);
    const where = `after down ${String(i + 1)}`;
    assert.deepEqual(await env.pods(), [], `${where}: no pod record`);
    const now = await snapshot();
    assert.deepEqual(now.runcContainers, [], `${where}: runc containers`);
    assert.deepEqual(now.netns, before.netns, `${where}: netns`);
    assert.deepEqual(now.veths, before.veths, `${where}: veths`);
    assert.deepEqual(now.mounts, before.mounts, `${where}: mounts under the state root`);
    assert.deepEqual(now.iptablesRules, before.iptablesRules, `${where}: NAT rules (hostPorts)`);
    assert.deepEqual(now.processes, before.processes, `${where}: processes (conmons, containers)`);
    assert.ok(
      !(await tables()).includes(`table ip ${table}\n`),
      `${where}: nftables table ${table}`,
    );
    for (const name of SERVICE_NAMES) {
      assert.deepEqual(await lookupA(env.gateway, name), [], `${where}: DNS ${name}`);
    }
  }
  const total = performance.now() - started;
  const sorted = [...upTimes].sort((a, b) => a - b);
  t.diagnostic(
    `${String(cycles)} cycles in ${(total / 1000).toFixed(1)} s; up --wait → Ready p50 ${(sorted[cycles >> 1] ?? 0).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`,
  );
  assert.deepEqual(await snapshot(), before, 'after all cycles: as before the first');
});
