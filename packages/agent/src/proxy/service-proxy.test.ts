import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { runCommand } from '@podkit/runtime';
import { freeHostPorts, reserveTestSubnet } from '@podkit/runtime/testing';
import { AgentErrorCode } from '../errors.js';
import { applyNftScript, listTables } from './nft.js';
import type { ProxyView, ServiceView } from './proxy-view.js';
import { ServiceProxy } from './service-proxy.js';

// A real topology: a bridge on a reserved /24 (gateway .1), three "pods" (.2-.4: network
// namespaces on veths, each with busybox httpd on :8080 answering its own name) and a client
// namespace (.10), all routed through the host. The ClusterIPs come from a second reserved
// /24 taken from 10.89.200-254, a block no bridge test reserves (they take 2-179): no
// route or other test's table uses it while this one runs.

const POD_PORT = 8080;

/** Runs `fn`s in reverse order, each even when an earlier one failed. */
class Cleanup {
  readonly #steps: (() => Promise<unknown>)[] = [];
  add(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) await step().catch(() => undefined);
  }
}

async function ip(args: string[]): Promise<void> {
  await runCommand(['ip', ...args]);
}

/** Polls `check` until it returns a value, for at most `ms`; the last failure is the error. */
async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`, { cause: last });
    await delay(25);
  }
}

interface Fetched {
  readonly ok: boolean;
  readonly body: string;
  readonly error: string;
  readonly ms: number;
}

/**
 * The GET of `hostGet` run by a node process inside the client's network namespace: one
 * request per line of stdin (`host port`), one JSON answer per line of stdout. (Debian's
 * static busybox wget crashes on this machine; one long-lived process also spares a start
 * per request.)
 */
const REQUESTER = `
const http = require('node:http');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [host, port] = line.split(' ');
  const t0 = Date.now();
  const done = (r) => process.stdout.write(JSON.stringify({ ...r, ms: Date.now() - t0 }) + '\\n');
  const req = http.request({ host, port: Number(port), path: '/', agent: false, timeout: 5000 }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (body += c));
    res.on('end', () => done({ ok: res.statusCode === 200, body: body.trim(), error: '' }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err) => done({ ok: false, body: '', error: err.code || err.message }));
  req.end();
});
`;

/** A requester process in network namespace `ns`: `get(host, port)` makes a new connection. */
interface NsClient {
  get(host: string, port: number): Promise<Fetched>;
}

function startNsClient(ns: string, cleanup: Cleanup): NsClient {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', REQUESTER], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  cleanup.add(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL'); // by its pid: `ip netns exec` execs node in place
    await exited;
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((f: Fetched) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line) as Fetched));
  return {
    get(host, port) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${host} ${port}\n`);
      });
    },
  };
}

/** GET http://host:port/ from this process (the host's own network stack). */
function hostGet(host: string, port: number): Promise<Fetched> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ ok: res.statusCode === 200, body: body.trim(), error: '', ms: Date.now() - t0 });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, body: '', error: err.code ?? err.message, ms: Date.now() - t0 });
    });
    req.end();
  });
}

/** The names answered by `n` requests. */
async function answers(n: number, get: () => Promise<Fetched>): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get();
    assert.ok(r.ok, `request ${i + 1} failed: ${r.error}`);
    names.push(r.body);
  }
  return names;
}

const distinct = (names: string[]): string[] => [...new Set(names)].sort();

interface Topology {
  readonly proxy: ServiceProxy;
  readonly table: string;
  readonly gateway: string;
  readonly pods: { name: string; ns: string; ip: string; from: NsClient }[];
  readonly client: NsClient;
  /** The i-th ClusterIP of this test's block. */
  vip(i: number): string;
}

async function makeTopology(t: TestContext): Promise<Topology> {
  const forward = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
  assert.equal(forward, '1', 'net.ipv4.ip_forward must be 1 (the CNI bridge plugin sets it)');
  const hex = randomBytes(3).toString('hex');
  const subnet = await reserveTestSubnet(t);
  const vips = await reserveTestSubnet(t, 200, 254);
  const base = subnet.slice(0, subnet.lastIndexOf('.'));
  const vipBase = vips.slice(0, vips.lastIndexOf('.'));
  const gateway = `${base}.1`;
  const bridge = `pxb${hex}`;
  const table = `podkit-test-${hex}`;
  const cleanup = new Cleanup();
  t.after(() => cleanup.run());
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-proxy-'));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));

  await ip(['link', 'add', bridge, 'type', 'bridge']);
  cleanup.add(() => ip(['link', 'del', bridge]));
  await ip(['addr', 'add', `${gateway}/24`, 'dev', bridge]);
  await ip(['link', 'set', bridge, 'up']);

  const attach = async (ns: string, addr: string, i: number): Promise<void> => {
    await ip(['netns', 'add', ns]);
    cleanup.add(() => ip(['netns', 'del', ns]));
    const veth = `pxv${hex}${i}`;
    await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    cleanup.add(() => ip(['link', 'del', veth]));
    await ip(['link', 'set', veth, 'master', bridge, 'up']);
    // As podkit's CNI config does (hairpinMode): with br_netfilter, a connection DNATed back
    // to the pod it came from is bridged, not routed, out of the port it came in by.
    await ip(['link', 'set', veth, 'type', 'bridge_slave', 'hairpin', 'on']);
    await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', ns, 'route', 'add', 'default', 'via', gateway]);
  };

  const pods: Topology['pods'] = [];
  for (const [i, name] of ['pod-a', 'pod-b', 'pod-c'].entries()) {
    const pod = { name, ns: `pxt${hex}-${name}`, ip: `${base}.${i + 2}` };
    await attach(pod.ns, pod.ip, i);
    pods.push({ ...pod, from: startNsClient(pod.ns, cleanup) });
    const www = path.join(dir, pod.name);
    await mkdir(www);
    await writeFile(path.join(www, 'index.html'), `${pod.name}\n`);
    const server = spawn(
      'ip',
      ['netns', 'exec', pod.ns, 'busybox', 'httpd', '-f', '-p', `${pod.ip}:${POD_PORT}`, '-h', www],
      { stdio: 'ignore' },
    );
    cleanup.add(async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGKILL'); // by its pid: `ip netns exec` execs httpd in place
      await exited;
    });
  }
  const clientNs = `pxt${hex}-client`;
  await attach(clientNs, `${base}.10`, 9);
  const client = startNsClient(clientNs, cleanup);
  // Every server answers directly before any Service is involved.
  for (const pod of pods) {
    await waitFor(`${pod.name}'s httpd`, 5000, async () => {
      const r = await hostGet(pod.ip, POD_PORT);
      return r.ok && r.body === pod.name ? true : undefined;
    });
  }

  const proxy = new ServiceProxy({ table });
  cleanup.add(() => proxy.close());
  return { proxy, table, gateway, pods, client, vip: (i) => `${vipBase}.${i}` };
}

const endpointsOf = (pods: readonly { ip: string }[]): ServiceView['endpoints'] =>
  pods.map((p) => ({ ip: p.ip, ports: { http: POD_PORT } }));

/** A Service on port 80 → the pods' 8080. */
function service(
  name: string,
  clusterIP: string | undefined,
  pods: readonly { ip: string }[],
  more: Partial<ServiceView> = {},
): ServiceView {
  return {
    namespace: 'test',
    name,
    clusterIP,
    sessionAffinity: 'None',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: endpointsOf(pods),
    ...more,
  };
}

/** The source address the host uses for the outside world (a host address that is not 127/8). */
async function hostAddress(fallback: string): Promise<string> {
  const r = await runCommand(['ip', '-j', 'route', 'get', '192.0.2.123'], { allowFailure: true });
  if (r.code !== 0) return fallback;
  const routes = JSON.parse(r.stdout) as { prefsrc?: string }[];
  return routes[0]?.prefsrc ?? fallback;
}

test('the Service proxy on a real bridge: ClusterIP, affinity, NodePort, hairpin, rejects, close', async (t) => {
  const topo = await makeTopology(t);
  const { proxy, pods, client } = topo;
  const [a, b, c] = pods as [Topology['pods'][0], Topology['pods'][0], Topology['pods'][0]];
  const names = pods.map((p) => p.name).sort();
  const [nodePort, emptyNodePort] = (await freeHostPorts(2)) as [number, number];
  const web = service('web', topo.vip(10), pods, {
    ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort }],
  });
  const sticky = service('sticky', topo.vip(11), pods, { sessionAffinity: 'ClientIP' });
  const self = service('self', topo.vip(12), [a]);
  const empty = service('empty', topo.vip(13), [], {
    ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: emptyNodePort }],
  });
  const headless = service('headless', undefined, pods);
  // A name nothing else could carry into nft's text.
  const odd = service('odd"; flush ruleset', topo.vip(14), [b]);
  const all: ProxyView = { services: [web, sticky, self, empty, headless, odd] };
  await proxy.sync(all);
  assert.ok((await listTables()).includes(topo.table));

  await t.test('ClusterIP connections spread over every endpoint, on the target port', async () => {
    const got = await answers(30, () => client.get(topo.vip(10), 80));
    assert.deepEqual(distinct(got), names);
    assert.deepEqual(await answers(1, () => client.get(topo.vip(14), 80)), ['pod-b']);
  });

  await t.test('the host itself reaches the ClusterIP', async () => {
    const got = await answers(15, () => hostGet(topo.vip(10), 80));
    assert.deepEqual(distinct(got), names);
  });

  await t.test('a pod reaches itself through the ClusterIP (hairpin)', async () => {
    assert.deepEqual(await answers(3, () => a.from.get(topo.vip(12), 80)), [
      'pod-a',
      'pod-a',
      'pod-a',
    ]);
  });

  await t.test(
    "NodePort on the host's address, from the host and from a pod; not 127.0.0.1",
    async () => {
      const host = await hostAddress(topo.gateway);
      assert.doesNotMatch(host, /^127\./);
      const fromHost = await answers(15, () => hostGet(host, nodePort));
      assert.deepEqual(distinct(fromHost), names);
      const fromPod = await answers(15, () => client.get(host, nodePort));
      assert.deepEqual(distinct(fromPod), names);
      // Localhost nodePorts are not served (no route_localnet): refused, as nothing listens.
      const local = await hostGet('127.0.0.1', nodePort);
      assert.equal(local.error, 'ECONNREFUSED');
    },
  );

  await t.test(
    'a Service port without endpoints refuses at once, from a pod and the host',
    async () => {
      const fromPod = await client.get(topo.vip(13), 80);
      assert.equal(fromPod.ok, false);
      assert.equal(fromPod.error, 'ECONNREFUSED');
      assert.ok(fromPod.ms < 2000, `refused after ${fromPod.ms} ms`);
      const fromHost = await hostGet(topo.vip(13), 80);
      assert.equal(fromHost.error, 'ECONNREFUSED');
      assert.ok(fromHost.ms < 2000, `refused after ${fromHost.ms} ms`);
      const host = await hostAddress(topo.gateway);
      const node = await client.get(host, emptyNodePort);
      assert.equal(node.error, 'ECONNREFUSED');
      // A port the Service does not have is refused the same way.
      const otherPort = await client.get(topo.vip(10), 81);
      assert.equal(otherPort.error, 'ECONNREFUSED');
      assert.ok(otherPort.ms < 2000, `refused after ${otherPort.ms} ms`);
      const otherFromHost = await hostGet(topo.vip(10), 81);
      assert.equal(otherFromHost.error, 'ECONNREFUSED');
    },
  );

  await t.test('ClientIP affinity pins a client to one endpoint, across syncs', async () => {
    const first = await answers(15, () => client.get(topo.vip(11), 80));
    assert.equal(distinct(first).length, 1, `one endpoint, got ${first.join(' ')}`);
    const pinned = first[0]!;
    // A sync that changes something else replaces the table; the pin is carried over (a
    // lost pin would be re-drawn: the same endpoint three times in a row is 1 in 27).
    for (const extra of [c, b, a]) {
      await proxy.sync({ services: [...all.services, service('extra', topo.vip(15), [extra])] });
      const again = await answers(3, () => client.get(topo.vip(11), 80));
      assert.deepEqual(distinct(again), [pinned]);
    }
    // The pinned endpoint leaves: the client is pinned to one of the others.
    const rest = pods.filter((p) => p.name !== pinned);
    await proxy.sync({
      services: all.services.map((s) =>
        s === sticky ? { ...sticky, endpoints: endpointsOf(rest) } : s,
      ),
    });
    const after = await answers(10, () => client.get(topo.vip(11), 80));
    assert.equal(distinct(after).length, 1, `one endpoint, got ${after.join(' ')}`);
    assert.notEqual(after[0], pinned);
  });

  await t.test('an endpoint removed from the view is out at the next sync', async () => {
    await proxy.sync({ services: [service('web', topo.vip(10), [a, c])] });
    const got = await answers(30, () => client.get(topo.vip(10), 80));
    assert.deepEqual(distinct(got), ['pod-a', 'pod-c']);
    // …and the Services left out of the view are gone with their rules.
    const gone = await client.get(topo.vip(12), 80);
    assert.equal(gone.ok, false);
  });

  await t.test('a burst of syncs runs nft at most twice and the latest view wins', async () => {
    const before = proxy.transactions;
    const views = [a, b, c, a, b, c, a, b].map((p) => ({
      services: [service('web', topo.vip(10), [p])],
    }));
    await Promise.all(views.map((v) => proxy.sync(v)));
    assert.ok(proxy.transactions - before <= 2, `${proxy.transactions - before} transactions`);
    assert.deepEqual(distinct(await answers(10, () => client.get(topo.vip(10), 80))), ['pod-b']);
  });

  await t.test('a script nft refuses changes nothing and says which line', async () => {
    const broken = [
      `add table ip ${topo.table}`,
      `delete table ip ${topo.table}`,
      `table ip ${topo.table} {`,
      '\tchain c { ip daddr 10.0.0.1 frobnicate }',
      '}',
      '',
    ].join('\n');
    await assert.rejects(applyNftScript(broken, { table: topo.table }), (err: unknown) => {
      assert.ok(isPodkitError(err, AgentErrorCode.PROXY_NFT_FAILED));
      assert.match(err.message, /line 4: chain c \{ ip daddr 10\.0\.0\.1 frobnicate \}/);
      return true;
    });
    // The delete of the refused transaction did not happen: the Service still answers.
    assert.deepEqual(await answers(2, () => client.get(topo.vip(10), 80)), ['pod-b', 'pod-b']);
    // A view nft would choke on never reaches it.
    await assert.rejects(
      proxy.sync({ services: [service('bad', '10.96.0.300', [a])] }),
      (err: unknown) => isPodkitError(err, AgentErrorCode.PROXY_VIEW_INVALID),
    );
  });

  await t.test('close() removes the table whole; a leftover table is purged by name', async () => {
    await proxy.close();
    assert.ok(!(await listTables()).includes(topo.table));
    const gone = await client.get(topo.vip(10), 80);
    assert.equal(gone.ok, false);
    await proxy.close(); // again: fine
    await assert.rejects(proxy.sync(all), (err: unknown) =>
      isPodkitError(err, AgentErrorCode.PROXY_CLOSED),
    );
    // An agent that died without closing leaves its table; purge removes it, twice is fine.
    const leftover = `${topo.table}-x`;
    const crashed = new ServiceProxy({ table: leftover });
    t.after(() => ServiceProxy.purge(leftover));
    await crashed.sync({ services: [web] });
    assert.ok((await listTables()).includes(leftover));
    await ServiceProxy.purge(leftover);
    await ServiceProxy.purge(leftover);
    assert.ok(!(await listTables()).includes(leftover));
  });
});

test('aborts: a sync whose signal aborted, or of a proxy whose lifetime ended, rejects with the reason', async (t) => {
  const table = `podkit-test-${randomBytes(3).toString('hex')}`;
  t.after(() => ServiceProxy.purge(table));
  const life = new AbortController();
  const proxy = new ServiceProxy({ table, signal: life.signal });
  const mine = new AbortController();
  mine.abort(new Error('caller gave up'));
  await assert.rejects(proxy.sync({ services: [] }, { signal: mine.signal }), /caller gave up/);
  life.abort(new Error('agent stopping'));
  await assert.rejects(proxy.sync({ services: [] }), /agent stopping/);
  assert.equal(proxy.transactions, 0);
  assert.ok(!(await listTables()).includes(table));
  assert.throws(
    () => new ServiceProxy({ table: 'no spaces; here' }),
    (err: unknown) => isPodkitError(err, AgentErrorCode.PROXY_VIEW_INVALID),
  );
});
