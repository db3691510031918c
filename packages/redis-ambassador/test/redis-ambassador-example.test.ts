import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { canBind, freeHostPorts } from '@podkit/runtime/testing';
import { command, info, waitReplicated } from './redis-servers.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), '../../../..');

const EXAMPLE = path.join(REPO_ROOT, 'examples/redis-ambassador');
const CLI = path.join(REPO_ROOT, 'packages/cli/src/main.ts');
const AMBASSADOR_BIN = path.join(REPO_ROOT, 'packages/redis-ambassador/dist/main.js');

async function until<T>(get: () => Promise<T | undefined>, what: string, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms; // a bound against hanging, not a timing assertion
  for (;;) {
    const v = await get().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function replaceAll(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the manifest no longer contains ${JSON.stringify(from)}`);
  return text.split(from).join(to);
}

/** `calls=` of one command in a node's INFO commandstats. */
async function calls(port: number, cmd: string): Promise<number> {
  const stats = await info(port, 'commandstats');
  return Number(/calls=(\d+)/.exec(stats.get(`cmdstat_${cmd}`) ?? '')?.[1] ?? 0);
}

test('examples/redis-ambassador end to end: the app pod reads from the replicas through the ambassador; the dev variant runs the same app', async (t) => {
  await fs.access(AMBASSADOR_BIN).catch(() => {
    assert.fail(`${AMBASSADOR_BIN} is missing: run npm run build (scripts/setup.sh does)`);
  });
  // A state root of the test's own, with its own bridge and /24 (as the CLI tests do), and the
  // example's Redis nodes on that network's gateway, on free ports.
  const state = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-redis-example-'));
  const hex = randomBytes(3).toString('hex');
  const bridge = `pkr${hex}`;
  const net24 = `10.89.${randomInt(216, 250)}`; // apart from the runtime's and CLI's test subnets (2-179)
  const gateway = `${net24}.1`;
  await fs.writeFile(
    path.join(state, 'network.json'),
    JSON.stringify({ name: `pkr-${hex}`, bridge, subnet: `${net24}.0/24` }),
  );
  // PORT_BASE, +1, +2 for the nodes, +20000 … +20002 for the Sentinels: all below the
  // kernel's ephemeral range (32768+), where port-0 listeners and outgoing connections of
  // other tests take their ports; each one checked by binding it.
  let base = 0;
  for (let i = 0; i < 50 && base === 0; i++) {
    const p = randomInt(10_000, 12_700);
    const ports = [p, p + 1, p + 2, p + 20_000, p + 20_001, p + 20_002];
    if ((await Promise.all(ports.map(canBind))).every(Boolean)) base = p;
  }
  assert.ok(base > 0, 'no free port range');
  // Host ports below the ephemeral range, where other tests' connections cannot take them.
  const [webPort = 0, metricsPort = 0] = await freeHostPorts(2);
  const backendsEnv = {
    ...process.env,
    GATEWAY: gateway,
    BRIDGE: bridge,
    PREFIX_LEN: '24',
    PORT_BASE: String(base),
    DIR: path.join(state, 'backends'),
  };
  const backends = (verb: 'up' | 'down') =>
    run('bash', [path.join(EXAMPLE, 'backends.sh'), verb], { env: backendsEnv });
  const podkit = (...args: string[]): Promise<{ stdout: string }> =>
    run(
      process.execPath,
      ['--conditions=podkit-source', '--import', 'tsx', CLI, '--root', state, ...args],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
  const manifests: string[] = [];
  t.after(async () => {
    for (const m of manifests) await podkit('down', '--force', '-f', m).catch(() => undefined);
    await podkit('gc').catch(() => undefined);
    // The state root's agent (started by `up`) goes with the root.
    await podkit('agent', 'stop').catch(() => undefined);
    await backends('down').catch(() => undefined);
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    await fs.rm(state, { recursive: true, force: true });
  });

  // Both manifests are valid as written.
  const { stdout: valid } = await podkit(
    'validate',
    path.join(EXAMPLE, 'pod.yaml'),
    path.join(EXAMPLE, 'pod-dev.yaml'),
  );
  assert.match(valid, /pod\.yaml: valid/);
  assert.match(valid, /pod-dev\.yaml: valid/);

  await backends('up');
  const [master, replica1, replica2] = [base, base + 1, base + 2];
  const sentinels = [base + 20_000, base + 20_001, base + 20_002];
  await until(async () => {
    const addr = await command(sentinels[0]!, ['SENTINEL', 'get-master-addr-by-name', 'mymaster']);
    return Array.isArray(addr) && addr[1] === String(master) ? true : undefined;
  }, 'Sentinel to know the master');

  // The example as written, with this test's addresses and free host ports.
  let manifest = await fs.readFile(path.join(EXAMPLE, 'pod.yaml'), 'utf8');
  manifest = replaceAll(manifest, '10.89.0.1', gateway);
  sentinels.forEach((p, i) => {
    manifest = replaceAll(manifest, `:${26380 + i}`, `:${p}`);
  });
  manifest = replaceAll(manifest, 'hostPort: 29180', `hostPort: ${webPort}`);
  manifest = replaceAll(manifest, 'hostPort: 29121', `hostPort: ${metricsPort}`);
  const manifestFile = path.join(state, 'pod.yaml');
  await fs.writeFile(manifestFile, manifest);
  manifests.push(manifestFile);

  await podkit(
    'image',
    'add',
    'ghcr.io/podkit/redis-ambassador:0.1.0',
    '--host',
    '--entrypoint',
    JSON.stringify(['node', AMBASSADOR_BIN]),
    '--keep',
    REPO_ROOT,
  );
  await podkit(
    'image',
    'add',
    'example.com/podkit/redis-demo-app:0.1.0',
    '--host',
    '--entrypoint',
    JSON.stringify(['node', path.join(EXAMPLE, 'app.js')]),
    '--keep',
    REPO_ROOT,
  );
  await podkit('up', '-d', '-f', manifestFile).catch(async (err: unknown) => {
    // Say why: the pod's events and the sidecar's log.
    const describe = await podkit('describe', 'redis-app').catch((e: unknown) => ({
      stdout: String(e),
    }));
    const logs = await podkit('logs', 'redis-app', '-c', 'redis-ambassador').catch(
      (e: unknown) => ({
        stdout: String(e),
      }),
    );
    t.diagnostic(describe.stdout);
    t.diagnostic(logs.stdout.slice(-4000));
    throw err;
  });

  const app = `http://127.0.0.1:${webPort}`;
  const getJson = async (url: string, method = 'GET'): Promise<unknown> => {
    const res = await fetch(url, { method, signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await command(master, ['SET', 'motd', 'hello from the master']);
  await waitReplicated(master, 2);
  await until(async () => ((await getJson(`${app}/healthz`)) ? true : undefined), 'the app');

  // A write through the app reaches the master.
  const visit = (await getJson(`${app}/visit`, 'POST')) as { visits: number };
  assert.equal(visit.visits, 1);
  assert.equal(await command(master, ['GET', 'visits']), '1');
  await waitReplicated(master, 2);

  // Reads through the app land on the replicas (INFO commandstats on each node).
  const before = await Promise.all([master, replica1, replica2].map((p) => calls(p, 'mget')));
  for (let i = 0; i < 200; i++) {
    const page = (await getJson(`${app}/`)) as { visits: number; motd: string };
    assert.deepEqual(page, { visits: 1, motd: 'hello from the master' });
  }
  const after = await Promise.all([master, replica1, replica2].map((p) => calls(p, 'mget')));
  const [onMaster, onR1, onR2] = after.map((n, i) => n - (before[i] ?? 0)) as [
    number,
    number,
    number,
  ];
  t.diagnostic(`MGET of 200 page views: master ${onMaster}, replicas ${onR1} + ${onR2}`);
  assert.equal(onMaster + onR1 + onR2, 200);
  assert.ok(onR1 > 0 && onR2 > 0, 'both replicas serve reads');
  assert.ok(onR1 + onR2 >= 190, `only ${onR1 + onR2} of 200 reads on replicas`);
  // The ambassador's own view, through the pod's hostPort.
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, /redis_ambassador_commands_total\{route="replica"\} [1-9]/);

  // The README's failover: kill -9 the master; the app's writes fail for a while, then go on
  // against the replica the Sentinels promoted, through the same ambassador.
  const masterPid = Number(await fs.readFile(path.join(backendsEnv.DIR, 'master.pid'), 'utf8'));
  process.kill(masterPid, 'SIGKILL');
  const killedAt = Date.now();
  let refused = 0;
  const resumed = await until(async () => {
    try {
      return (await getJson(`${app}/visit`, 'POST')) as { visits: number };
    } catch (err) {
      refused++;
      throw err;
    }
  }, 'writes through the app after the failover');
  t.diagnostic(
    `failover: the app's writes resumed ${Date.now() - killedAt} ms after kill -9 (down-after 2000 ms), ${refused} refused meanwhile`,
  );
  assert.equal(resumed.visits, 2, 'the promoted replica had the first visit');
  const promoted = await command(sentinels[0]!, [
    'SENTINEL',
    'get-master-addr-by-name',
    'mymaster',
  ]);
  assert.ok(Array.isArray(promoted));
  const newMaster = Number(promoted[1]);
  assert.ok([replica1, replica2].includes(newMaster), `promoted ${JSON.stringify(promoted)}`);
  assert.equal(await command(newMaster, ['GET', 'visits']), '2');
  const afterFailover = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(afterFailover, /^redis_ambassador_failovers_total 1$/m);
  await podkit('down', '-f', manifestFile);

  // The development variant: a plain redis-server in the ambassador's place, the app unchanged.
  let dev = await fs.readFile(path.join(EXAMPLE, 'pod-dev.yaml'), 'utf8');
  dev = replaceAll(dev, 'hostPort: 29180', `hostPort: ${webPort}`);
  const devFile = path.join(state, 'pod-dev.yaml');
  await fs.writeFile(devFile, dev);
  manifests.push(devFile);
  await podkit(
    'image',
    'add',
    'docker.io/library/redis:7.0',
    '--host',
    '--entrypoint',
    JSON.stringify(['redis-server']),
  );
  await podkit('up', '-d', '-f', devFile);
  await until(async () => ((await getJson(`${app}/healthz`)) ? true : undefined), 'the dev app');
  assert.deepEqual(await getJson(`${app}/visit`, 'POST'), { visits: 1 });
  assert.deepEqual(await getJson(`${app}/`), { visits: 1, motd: null });
});
