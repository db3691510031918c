import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECURSION_DESIRED, decode, encode, type Packet, type Question } from 'dns-packet';
import { freeHostPort } from '@podkit/runtime/testing';
import type { ClusterView } from './cluster-view.js';
import { ClusterDnsServer } from './dns-server.js';
import { Forwarder, parseNameservers } from './forwarder.js';
import { parseQuery, type ParsedQuery } from './wire.js';

type Cleanup = { after: (fn: () => unknown) => void };

/** The upstream's zone: what the host's resolver would know. */
const upstreamView: ClusterView = {
  clusterDomain: 'upstream.test',
  services: [
    { name: 'api', namespace: 'corp', clusterIP: '192.0.2.10', ports: [], endpoints: [] },
    {
      name: 'many',
      namespace: 'corp',
      clusterIP: 'None',
      ports: [],
      endpoints: Array.from({ length: 60 }, (_, i) => ({ ip: `192.0.2.${i + 100}` })),
    },
  ],
  pods: [],
};

async function tempDir(t: Cleanup): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-dns-fwd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function resolvConf(t: Cleanup, text: string): Promise<string> {
  const path = join(await tempDir(t), 'resolv.conf');
  await writeFile(path, text);
  return path;
}

/** A second DNS server on loopback, the upstream of the tests (a real server, no mock). */
async function startUpstream(t: Cleanup, host = '127.0.0.1', port?: number) {
  const upstreamPort = port ?? (await freeHostPort());
  const server = new ClusterDnsServer({
    host,
    port: upstreamPort,
    view: upstreamView,
    forwarder: { resolvConf: await resolvConf(t, '') },
  });
  await server.listen();
  t.after(() => server.close());
  return upstreamPort;
}

/** A UDP socket on `host:port` that takes queries and never answers. */
async function startBlackHole(t: Cleanup, host: string, port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(port, host, resolve));
  t.after(() => {
    socket.close();
  });
  return socket;
}

let nextId = 7;
function parsed(name: string, type: Question['type'], extra: Partial<Packet> = {}) {
  const raw = encode({
    type: 'query',
    id: nextId++,
    flags: RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...extra,
  });
  const query = parseQuery(raw);
  assert.ok(!('reply' in query));
  return { query: query satisfies ParsedQuery, raw };
}

const never = new AbortController().signal;

test('parseNameservers: nameserver lines in order, at most three, comments and junk skipped', () => {
  const text = [
    '# generated',
    'search corp.example',
    'nameserver 127.0.0.53',
    '; nameserver 10.0.0.9',
    '  nameserver   fe80::1%eth0  # link-local',
    'nameserver not-an-ip',
    'options edns0 trust-ad',
    'nameserver 1.1.1.1',
    'nameserver 8.8.8.8',
  ].join('\n');
  assert.deepEqual(parseNameservers(text), ['127.0.0.53', 'fe80::1%eth0', '1.1.1.1']);
  assert.deepEqual(parseNameservers(''), []);
});

test('forwards over UDP to the resolv.conf upstream; the reply carries the client’s id', async (t) => {
  const port = await startUpstream(t);
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.1\n'),
    port,
  });
  const { query, raw } = parsed('API.corp.svc.upstream.test', 'A');
  const reply = decode(await forwarder.forward(query, raw, 'udp', never));
  assert.equal(reply.id, query.header.id);
  assert.deepEqual(
    reply.answers?.map((a) => (a.type === 'A' ? a.data : a.type)),
    ['192.0.2.10'],
  );
  // The upstream's NXDOMAIN is passed on as it came.
  const miss = parsed('nosuch.upstream.test', 'A');
  const nx = await forwarder.forward(miss.query, miss.raw, 'udp', never);
  assert.equal(nx.readUInt16BE(2) & 0xf, 3);
});

test('a truncated UDP answer is fetched again over TCP; a TCP query goes over TCP', async (t) => {
  const port = await startUpstream(t);
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.1\n'),
    port,
  });
  const { query, raw } = parsed('many.corp.svc.upstream.test', 'A');
  const viaUdp = decode(await forwarder.forward(query, raw, 'udp', never));
  assert.equal(viaUdp.flag_tc, false);
  assert.equal(viaUdp.answers?.length, 60);
  const viaTcp = decode(await forwarder.forward(query, raw, 'tcp', never));
  assert.equal(viaTcp.answers?.length, 60);
});

test('an upstream that refuses the port is skipped for the next one at once', async (t) => {
  const port = await startUpstream(t, '127.0.0.1');
  // Nothing listens on 127.0.0.2:port: ICMP port unreachable, ECONNREFUSED.
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.2\nnameserver 127.0.0.1\n'),
    port,
    timeoutMs: 5000,
  });
  const { query, raw } = parsed('api.corp.svc.upstream.test', 'A');
  const t0 = Date.now();
  const reply = decode(await forwarder.forward(query, raw, 'udp', never));
  assert.equal(reply.answers?.length, 1);
  assert.ok(Date.now() - t0 < 2000, 'did not wait for the timeout');
});

test('an upstream that never answers is given timeoutMs, then the next is asked', async (t) => {
  const port = await startUpstream(t, '127.0.0.1');
  const hole = await startBlackHole(t, '127.0.0.3', port);
  const heard = once(hole, 'message');
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.3\nnameserver 127.0.0.1\n'),
    port,
    timeoutMs: 300,
  });
  const { query, raw } = parsed('api.corp.svc.upstream.test', 'A');
  const t0 = Date.now();
  const reply = decode(await forwarder.forward(query, raw, 'udp', never));
  const elapsed = Date.now() - t0;
  await heard; // the first upstream was asked
  assert.equal(reply.answers?.length, 1);
  assert.ok(elapsed >= 280 && elapsed < 2000, `${elapsed} ms`);
});

test('every upstream failing is SERVFAIL within the bound, and logged', async (t) => {
  const port = await freeHostPort();
  await startBlackHole(t, '127.0.0.1', port);
  await startBlackHole(t, '127.0.0.4', port);
  const lines: string[] = [];
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.1\nnameserver 127.0.0.4\n'),
    port,
    timeoutMs: 300,
    log: (line) => lines.push(line),
  });
  const { query, raw } = parsed('example.com', 'A');
  const t0 = Date.now();
  const reply = await forwarder.forward(query, raw, 'udp', never);
  const elapsed = Date.now() - t0;
  assert.equal(reply.readUInt16BE(0), query.header.id);
  assert.equal(reply.readUInt16BE(2) & 0xf, 2, 'SERVFAIL');
  assert.deepEqual(decode(reply).questions, [{ name: 'example.com', type: 'A', class: 'IN' }]);
  assert.ok(elapsed >= 550 && elapsed < 2000, `two timeouts of 300 ms, took ${elapsed} ms`);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /example\.com A failed.*127\.0\.0\.1: no answer in 300 ms/);

  // Over TCP to a port nobody listens on: refused, SERVFAIL at once.
  const tcp = await forwarder.forward(query, raw, 'tcp', never);
  assert.equal(tcp.readUInt16BE(2) & 0xf, 2);
});

test('no resolv.conf, or no nameserver in it: SERVFAIL at once', async (t) => {
  const dir = await tempDir(t);
  for (const forwarder of [
    new Forwarder({ resolvConf: join(dir, 'missing') }),
    new Forwarder({ resolvConf: await resolvConf(t, 'search x\n') }),
  ]) {
    const { query, raw } = parsed('example.com', 'A');
    const reply = await forwarder.forward(query, raw, 'udp', never);
    assert.equal(reply.readUInt16BE(2) & 0xf, 2);
  }
});

test('an abort stops the wait at once', async (t) => {
  const port = await freeHostPort();
  const hole = await startBlackHole(t, '127.0.0.1', port);
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.1\n'),
    port,
    timeoutMs: 30_000,
  });
  const { query, raw } = parsed('example.com', 'A');
  const controller = new AbortController();
  const pending = forwarder.forward(query, raw, 'udp', controller.signal);
  await once(hole, 'message');
  const t0 = Date.now();
  controller.abort(new Error('closing'));
  await assert.rejects(pending, /closing/);
  assert.ok(Date.now() - t0 < 1000);
});

test('answers with another id or another question are ignored (no spoofing)', async (t) => {
  // A hand-made upstream: first a reply with the wrong id, then one for another name, then
  // the right one. Only the last may come back.
  const port = await freeHostPort();
  const upstream = createSocket('udp4');
  t.after(() => {
    upstream.close();
  });
  await new Promise<void>((resolve) => upstream.bind(port, '127.0.0.1', resolve));
  upstream.on('message', (msg, rinfo) => {
    const q = decode(msg);
    const reply = (id: number, name: string, ip: string): Buffer =>
      encode({
        type: 'response',
        id,
        questions: [{ name, type: 'A', class: 'IN' }],
        answers: [{ name, type: 'A', class: 'IN', ttl: 60, data: ip }],
      });
    const name = q.questions?.[0]?.name ?? '';
    upstream.send(
      reply(((q.id ?? 0) + 1) & 0xffff, name, '203.0.113.1'),
      rinfo.port,
      rinfo.address,
    );
    upstream.send(reply(q.id ?? 0, 'evil.example', '203.0.113.2'), rinfo.port, rinfo.address);
    // Upstreams may echo a 0x20-randomised name in another case.
    upstream.send(reply(q.id ?? 0, name.toUpperCase(), '198.51.100.7'), rinfo.port, rinfo.address);
  });
  const forwarder = new Forwarder({
    resolvConf: await resolvConf(t, 'nameserver 127.0.0.1\n'),
    port,
  });
  const { query, raw } = parsed('www.example.com', 'A');
  const reply = decode(await forwarder.forward(query, raw, 'udp', never));
  assert.equal(reply.id, query.header.id);
  assert.deepEqual(
    reply.answers?.map((a) => (a.type === 'A' ? a.data : a.type)),
    ['198.51.100.7'],
  );
});

test('through the server: a stock resolver gets cluster names locally and others upstream', async (t) => {
  const upstreamPort = await startUpstream(t);
  const port = await freeHostPort();
  await using server = new ClusterDnsServer({
    host: '127.0.0.1',
    port,
    view: {
      services: [
        { name: 'web', namespace: 'shop', clusterIP: '10.96.0.10', ports: [], endpoints: [] },
      ],
      pods: [],
    },
    forwarder: {
      resolvConf: await resolvConf(t, 'nameserver 127.0.0.1\n'),
      port: upstreamPort,
    },
  });
  await server.listen();
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  assert.deepEqual(await resolver.resolve4('web.shop.svc.cluster.local'), ['10.96.0.10']);
  assert.deepEqual(await resolver.resolve4('api.corp.svc.upstream.test'), ['192.0.2.10']);
  // 60 addresses: UDP upstream truncated → TCP upstream; to the client truncated → TCP.
  assert.equal((await resolver.resolve4('many.corp.svc.upstream.test')).length, 60);
  await assert.rejects(resolver.resolve4('nosuch.upstream.test'), { code: 'ENOTFOUND' });
});
