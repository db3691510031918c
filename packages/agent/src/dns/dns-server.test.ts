import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RECURSION_DESIRED,
  decode,
  encode,
  type DecodedPacket,
  type Packet,
  type Question,
} from 'dns-packet';
import { isPodkitError } from '@podkit/kit';
import { freeHostPort } from '@podkit/runtime/testing';
import type { ClusterView, EndpointView } from './cluster-view.js';
import { ClusterDnsServer } from './dns-server.js';
import { FrameReader, encodeFrame } from './tcp-frames.js';

const AA = 1 << 10;
const TC = 1 << 9;
const RA = 1 << 7;

function endpoints(n: number, third: number): EndpointView[] {
  return Array.from({ length: n }, (_, i) => ({ ip: `10.89.${third}.${i + 1}` }));
}

const view: ClusterView = {
  services: [
    {
      name: 'web',
      namespace: 'shop',
      clusterIP: '10.96.0.10',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      endpoints: [],
    },
    {
      name: 'redis',
      namespace: 'shop',
      clusterIP: 'None',
      ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }],
      endpoints: [
        { ip: '10.89.0.5', hostname: 'redis-0' },
        { ip: '10.89.0.6', hostname: 'redis-1' },
      ],
    },
    { name: 'mid', namespace: 'shop', clusterIP: 'None', ports: [], endpoints: endpoints(20, 2) },
    { name: 'big', namespace: 'shop', clusterIP: 'None', ports: [], endpoints: endpoints(60, 1) },
  ],
  pods: [],
  reverseCidrs: ['10.96.0.0/12', '10.89.0.0/16'],
};

/** A resolv.conf naming no upstream: forwarded names get SERVFAIL at once. */
async function emptyResolvConf(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-dns-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'resolv.conf');
  await writeFile(path, '# no upstream\n');
  return path;
}

let nextId = 1;
function query(name: string, type: Question['type'], extra: Partial<Packet> = {}): Packet {
  return {
    type: 'query',
    id: nextId++ & 0xffff,
    flags: RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...extra,
  };
}

const EDNS = (size: number): Packet['additionals'] => [
  {
    name: '.',
    type: 'OPT',
    udpPayloadSize: size,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  },
];

/** Sends datagrams from one socket and returns the first reply (bounded: 15 s, for a loaded CI). */
async function udpExchange(port: number, ...messages: Buffer[]): Promise<Buffer> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => {
      socket.connect(port, '127.0.0.1', resolve);
    });
    const reply = once(socket, 'message', { signal: AbortSignal.timeout(15_000) });
    for (const m of messages) socket.send(m);
    const [msg] = (await reply) as [Buffer];
    return msg;
  } finally {
    socket.close();
  }
}

async function udpQuery(port: number, packet: Packet): Promise<DecodedPacket & { raw: Buffer }> {
  const raw = await udpExchange(port, encode(packet));
  return { ...decode(raw), raw };
}

/** Writes `chunks` on one TCP connection and returns the first `n` frames it gets back. */
async function tcpExchange(port: number, chunks: Buffer[], n: number): Promise<Buffer[]> {
  const socket = connect({ port, host: '127.0.0.1' });
  try {
    await once(socket, 'connect', { signal: AbortSignal.timeout(3000) });
    const reader = new FrameReader();
    const frames: Buffer[] = [];
    const done = new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        frames.push(...reader.push(chunk));
        if (frames.length >= n) resolve();
      });
      socket.on('close', () => {
        reject(new Error(`closed after ${frames.length} of ${n} replies`));
      });
      socket.on('error', reject);
    });
    for (const chunk of chunks) socket.write(chunk);
    await within(3000, `${n} TCP replies`, done);
    return frames;
  } finally {
    socket.destroy();
  }
}

/** `promise`, or a rejection after `ms` (the timer cleared either way). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`${what}: nothing in ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const rcodeOf = (raw: Buffer): number => raw.readUInt16BE(2) & 0xf;
const flagsOf = (raw: Buffer): number => raw.readUInt16BE(2);

describe('a ClusterDnsServer on loopback', () => {
  let port = 0;
  let server: ClusterDnsServer;
  let dir = '';
  const resolver = new Resolver({ timeout: 2000, tries: 1 });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'podkit-dns-'));
    await writeFile(join(dir, 'resolv.conf'), '');
    port = await freeHostPort();
    server = new ClusterDnsServer({
      host: '127.0.0.1',
      port,
      view,
      forwarder: { resolvConf: join(dir, 'resolv.conf') },
    });
    await server.listen();
    resolver.setServers([`127.0.0.1:${port}`]);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a stock resolver: A, headless A, SRV, PTR, TXT', async () => {
    assert.deepEqual(await resolver.resolve4('web.shop.svc.cluster.local'), ['10.96.0.10']);
    assert.deepEqual((await resolver.resolve4('redis.shop.svc.cluster.local')).sort(), [
      '10.89.0.5',
      '10.89.0.6',
    ]);
    assert.deepEqual(await resolver.resolve4('redis-1.redis.shop.svc.cluster.local'), [
      '10.89.0.6',
    ]);
    assert.deepEqual(await resolver.resolveSrv('_http._tcp.web.shop.svc.cluster.local'), [
      { name: 'web.shop.svc.cluster.local', port: 80, priority: 0, weight: 100 },
    ]);
    const srv = await resolver.resolveSrv('_redis._tcp.redis.shop.svc.cluster.local');
    assert.deepEqual(srv.map((r) => `${r.name}:${r.port}`).sort(), [
      'redis-0.redis.shop.svc.cluster.local:6379',
      'redis-1.redis.shop.svc.cluster.local:6379',
    ]);
    assert.deepEqual(await resolver.reverse('10.96.0.10'), ['web.shop.svc.cluster.local']);
    assert.deepEqual(await resolver.reverse('10.89.0.5'), ['redis-0.redis.shop.svc.cluster.local']);
    assert.deepEqual(await resolver.resolveTxt('dns-version.cluster.local'), [['1.1.0']]);
  });

  it('a stock resolver tells NXDOMAIN (ENOTFOUND) from NODATA (ENODATA)', async () => {
    await assert.rejects(resolver.resolve4('nosuch.shop.svc.cluster.local'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve6('web.shop.svc.cluster.local'), { code: 'ENODATA' });
  });

  it('NXDOMAIN is authoritative, with the SOA in authority and the id and RD echoed', async () => {
    const q = query('Nosuch.Shop.svc.cluster.local', 'A');
    const reply = await udpQuery(port, q);
    assert.equal(reply.id, q.id);
    assert.equal(rcodeOf(reply.raw), 3);
    assert.equal(flagsOf(reply.raw) & (AA | RA | RECURSION_DESIRED), AA | RA | RECURSION_DESIRED);
    assert.equal(reply.type, 'response');
    assert.deepEqual(reply.questions, q.questions);
    assert.deepEqual(reply.answers, []);
    assert.deepEqual(
      reply.authorities?.map((r) => `${r.name} ${r.type}`),
      ['cluster.local SOA'],
    );
  });

  it('AAAA of an existing name is NODATA: NOERROR, no answer, SOA in authority', async () => {
    const reply = await udpQuery(port, query('redis.shop.svc.cluster.local', 'AAAA'));
    assert.equal(rcodeOf(reply.raw), 0);
    assert.ok(flagsOf(reply.raw) & AA);
    assert.deepEqual(reply.answers, []);
    assert.deepEqual(
      reply.authorities?.map((r) => r.type),
      ['SOA'],
    );
  });

  it('SRV carries its targets’ addresses in the additional section', async () => {
    const reply = await udpQuery(port, query('_redis._tcp.redis.shop.svc.cluster.local', 'SRV'));
    assert.equal(reply.answers?.length, 2);
    assert.deepEqual(
      reply.additionals?.map((r) => `${r.name} ${r.type === 'A' ? r.data : r.type}`).sort(),
      [
        'redis-0.redis.shop.svc.cluster.local 10.89.0.5',
        'redis-1.redis.shop.svc.cluster.local 10.89.0.6',
      ],
    );
  });

  it('a big headless answer is truncated over UDP (TC, ≤ 512 bytes) and whole over TCP', async () => {
    const q = query('big.shop.svc.cluster.local', 'A');
    const udp = await udpQuery(port, q);
    assert.ok(flagsOf(udp.raw) & TC, 'TC set');
    assert.ok(udp.raw.length <= 512, `${udp.raw.length} bytes`);
    assert.deepEqual(udp.answers, []);
    assert.equal(udp.id, q.id);

    const [raw] = await tcpExchange(port, [encodeFrame(encode(q))], 1);
    assert.ok(raw);
    const tcp = decode(raw);
    assert.equal(tcp.id, q.id);
    assert.equal(flagsOf(raw) & TC, 0);
    assert.equal(tcp.answers?.length, 60);
    assert.ok(raw.length > 512);
    // A stock resolver retries over TCP by itself and gets all 60.
    assert.equal((await resolver.resolve4('big.shop.svc.cluster.local')).length, 60);
  });

  it('EDNS0: the client’s UDP size is honoured up to 1232 bytes, and an OPT comes back', async () => {
    const plain = await udpQuery(port, query('mid.shop.svc.cluster.local', 'A'));
    assert.ok(flagsOf(plain.raw) & TC, 'over 512 without EDNS: truncated');
    assert.equal(plain.additionals?.length, 0);

    const edns = await udpQuery(
      port,
      query('mid.shop.svc.cluster.local', 'A', { additionals: EDNS(1232) }),
    );
    assert.equal(flagsOf(edns.raw) & TC, 0);
    assert.equal(edns.answers?.length, 20);
    assert.ok(edns.raw.length > 512 && edns.raw.length <= 1232, `${edns.raw.length} bytes`);
    const opt = edns.additionals?.find((r) => r.type === 'OPT');
    assert.equal(opt?.type === 'OPT' ? opt.udpPayloadSize : undefined, 1232);

    // 4096 asked, but nothing over 1232 goes by UDP: the 60 addresses are truncated.
    const big = await udpQuery(
      port,
      query('big.shop.svc.cluster.local', 'A', { additionals: EDNS(4096) }),
    );
    assert.ok(flagsOf(big.raw) & TC);
    assert.ok(big.raw.length <= 1232);
    assert.ok(big.additionals?.some((r) => r.type === 'OPT'));
  });

  it('TCP: several queries on one connection, pipelined, and a query split byte by byte', async () => {
    const names = ['web', 'redis', 'mid', 'big', 'nosuch'].map(
      (s) => `${s}.shop.svc.cluster.local`,
    );
    const qs = names.map((n) => query(n, 'A'));
    const frames = await tcpExchange(
      port,
      [Buffer.concat(qs.map((q) => encodeFrame(encode(q))))],
      5,
    );
    const byId = new Map(frames.map((f) => [f.readUInt16BE(0), decode(f)]));
    assert.deepEqual(
      qs.map((q) => byId.get(q.id ?? -1)?.answers?.length),
      [1, 2, 20, 60, 0],
    );
    const q = query('web.shop.svc.cluster.local', 'A');
    const bytes = encodeFrame(encode(q));
    const split = [...bytes].map((b) => Buffer.from([b]));
    const [one] = await tcpExchange(port, split, 1);
    assert.equal(one?.readUInt16BE(0), q.id);
    assert.equal(one && decode(one).answers?.length, 1);
  });

  it('garbage does not stop it: random datagrams, short headers, responses, bad questions', async () => {
    const garbage: Buffer[] = [Buffer.alloc(0), Buffer.from([1, 2, 3, 4, 5])];
    for (let i = 0; i < 300; i++) garbage.push(randomBytes(randomInt(0, 600)));
    // A response (QR set): never answered, else two servers could bounce packets forever.
    garbage.push(encode({ ...query('web.shop.svc.cluster.local', 'A'), type: 'response' }));
    const sender = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => {
        sender.connect(port, '127.0.0.1', resolve);
      });
      const replies: Buffer[] = [];
      let waiting: { id: number; resolve: () => void } | undefined;
      sender.on('message', (m: Buffer) => {
        replies.push(m);
        if (m.readUInt16BE(0) === waiting?.id && (m.readUInt16BE(2) & 0xf) === 0) waiting.resolve();
      });
      // In batches, each followed by a probe that must be answered: the server is alive, and
      // the kernel's receive buffer never overflows (which would drop the probe, not a bug).
      for (let at = 0; at < garbage.length; at += 20) {
        for (const g of garbage.slice(at, at + 20)) sender.send(g);
        const probe = query('web.shop.svc.cluster.local', 'A');
        const answered = new Promise<void>((resolve) => {
          waiting = { id: probe.id ?? 0, resolve };
        });
        sender.send(encode(probe));
        await within(3000, `the probe after garbage ${at}..${at + 20}`, answered);
      }
      // What was answered was a reply (QR set) with a whole header: FORMERR/NOTIMP or an answer.
      for (const r of replies) assert.ok(r.length >= 12 && r.readUInt16BE(2) & 0x8000);
    } finally {
      sender.close();
    }

    // A header announcing one question that is not there: FORMERR with the id.
    const header = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    const formerr = await udpExchange(port, header);
    assert.equal(formerr.readUInt16BE(0), 0xbeef);
    assert.equal(rcodeOf(formerr), 1);
    // Two questions: FORMERR too.
    const two = encode({
      ...query('a.cluster.local', 'A'),
      questions: [
        { name: 'a.cluster.local', type: 'A' },
        { name: 'b.cluster.local', type: 'A' },
      ],
    });
    assert.equal(rcodeOf(await udpExchange(port, two)), 1);
    // Opcode STATUS (2): NOTIMP.
    const status = Buffer.from(encode(query('web.shop.svc.cluster.local', 'A')));
    status.writeUInt16BE(status.readUInt16BE(2) | (2 << 11), 2);
    assert.equal(rcodeOf(await udpExchange(port, status)), 4);

    // Over TCP: a frame shorter than a header closes that connection only.
    await assert.rejects(tcpExchange(port, [Buffer.from([0, 3, 1, 2, 3])], 1), /closed/);
    // A question whose 63-byte label stops after 5 bytes: FORMERR on that connection.
    const cut = Buffer.concat([header, Buffer.from([63, 1, 2, 3, 4, 5])]);
    const [formerrTcp] = await tcpExchange(port, [encodeFrame(cut)], 1);
    assert.ok(formerrTcp);
    assert.equal(formerrTcp.readUInt16BE(0), 0xbeef);
    assert.equal(rcodeOf(formerrTcp), 1);
    assert.deepEqual(await resolver.resolve4('web.shop.svc.cluster.local'), ['10.96.0.10']);
  });
});

test('setView replaces the view at once; an invalid view is refused and the old one kept', async (t) => {
  const port = await freeHostPort();
  await using server = new ClusterDnsServer({
    host: '127.0.0.1',
    port,
    view,
    forwarder: { resolvConf: await emptyResolvConf(t) },
  });
  await server.listen();
  const soaSerial = async (): Promise<number | undefined> => {
    const r = await udpQuery(port, query('cluster.local', 'SOA'));
    const soa = r.answers?.[0];
    return soa?.type === 'SOA' ? soa.data.serial : undefined;
  };
  const before = await soaSerial();
  server.setView({
    services: [
      { name: 'new', namespace: 'shop', clusterIP: '10.96.0.99', ports: [], endpoints: [] },
    ],
    pods: [],
  });
  const fresh = await udpQuery(port, query('new.shop.svc.cluster.local', 'A'));
  assert.deepEqual(
    fresh.answers?.map((a) => (a.type === 'A' ? a.data : a.type)),
    ['10.96.0.99'],
  );
  assert.equal(rcodeOf((await udpQuery(port, query('web.shop.svc.cluster.local', 'A'))).raw), 3);
  const afterwards = await soaSerial();
  assert.ok(before !== undefined && afterwards !== undefined && afterwards > before, 'serial up');

  assert.throws(
    () => {
      server.setView({
        services: [{ name: 'broken', namespace: 'shop', clusterIP: 'x', ports: [], endpoints: [] }],
        pods: [],
      });
    },
    (err: unknown) => isPodkitError(err, 'DNS_VIEW_INVALID'),
  );
  const still = await udpQuery(port, query('new.shop.svc.cluster.local', 'A'));
  assert.equal(still.answers?.length, 1);
});

test('listen: a taken port is DNS_LISTEN_FAILED with a hint, and nothing stays bound', async (t) => {
  const resolvConf = await emptyResolvConf(t);
  // UDP taken.
  const port = await freeHostPort();
  const holder = createSocket('udp4');
  t.after(() => {
    holder.close();
  });
  await new Promise<void>((resolve) => holder.bind(port, '127.0.0.1', resolve));
  const server = new ClusterDnsServer({ host: '127.0.0.1', port, forwarder: { resolvConf } });
  await assert.rejects(server.listen(), (err: unknown) => {
    assert.ok(isPodkitError(err, 'DNS_LISTEN_FAILED'), String(err));
    assert.match(err.message, /127\.0\.0\.1:\d+\/udp: EADDRINUSE/);
    assert.match(err.hint ?? '', /already serves UDP port/);
    return true;
  });

  // TCP taken, UDP free: the UDP socket it bound is let go.
  const port2 = await freeHostPort();
  const tcpHolder = createServer();
  t.after(() => tcpHolder.close());
  await new Promise<void>((resolve) => tcpHolder.listen(port2, '127.0.0.1', resolve));
  const server2 = new ClusterDnsServer({
    host: '127.0.0.1',
    port: port2,
    forwarder: { resolvConf },
  });
  await assert.rejects(server2.listen(), (err: unknown) => {
    assert.ok(isPodkitError(err, 'DNS_LISTEN_FAILED'), String(err));
    assert.match(err.message, /\/tcp: EADDRINUSE/);
    return true;
  });
  const probe = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.bind(port2, '127.0.0.1', resolve);
  });
  probe.close();

  // An address that is not this machine's.
  const server3 = new ClusterDnsServer({ host: '192.0.2.1', port, forwarder: { resolvConf } });
  await assert.rejects(server3.listen(), (err: unknown) => {
    assert.ok(isPodkitError(err, 'DNS_LISTEN_FAILED'), String(err));
    assert.match(err.hint ?? '', /not an address of this machine/);
    return true;
  });
});

test('close releases UDP and TCP: a second server binds the same port', async (t) => {
  const resolvConf = await emptyResolvConf(t);
  const port = await freeHostPort();
  {
    await using first = new ClusterDnsServer({
      host: '127.0.0.1',
      port,
      view,
      forwarder: { resolvConf },
    });
    await first.listen();
    // A connection left open does not hold the close up.
    const open = connect({ port, host: '127.0.0.1' });
    t.after(() => open.destroy());
    await once(open, 'connect');
  }
  await using second = new ClusterDnsServer({
    host: '127.0.0.1',
    port,
    view,
    forwarder: { resolvConf },
  });
  await second.listen();
  assert.equal((await udpQuery(port, query('web.shop.svc.cluster.local', 'A'))).answers?.length, 1);
});

test('an idle TCP connection is closed after the idle timeout', async (t) => {
  const port = await freeHostPort();
  await using server = new ClusterDnsServer({
    host: '127.0.0.1',
    port,
    tcpIdleTimeoutMs: 200,
    forwarder: { resolvConf: await emptyResolvConf(t) },
  });
  await server.listen();
  const socket = connect({ port, host: '127.0.0.1' });
  t.after(() => socket.destroy());
  const t0 = Date.now();
  await once(socket, 'close', { signal: AbortSignal.timeout(5000) });
  assert.ok(Date.now() - t0 >= 150, 'not before the timeout');
});

test('forwarded queries are bounded: past maxForwarded, REFUSED at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-dns-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // An upstream that takes queries and never answers.
  const [port, upstreamPort] = [await freeHostPort(), await freeHostPort()];
  const blackHole = createSocket('udp4');
  t.after(() => {
    blackHole.close();
  });
  await new Promise<void>((resolve) => blackHole.bind(upstreamPort, '127.0.0.1', resolve));
  await writeFile(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  await using server = new ClusterDnsServer({
    host: '127.0.0.1',
    port,
    maxForwarded: 1,
    // Long enough that a second query that waited for the upstream could not pass for one
    // refused at once, even on a loaded machine.
    forwarder: { resolvConf: join(dir, 'resolv.conf'), port: upstreamPort, timeoutMs: 5000 },
  });
  await server.listen();

  const received = once(blackHole, 'message', { signal: AbortSignal.timeout(15_000) });
  const first = udpQuery(port, query('example.com', 'A'));
  await received; // the first is now waiting on the upstream
  assert.equal(server.forwardedInFlight, 1);
  const t0 = Date.now();
  const second = await udpQuery(port, query('example.org', 'A'));
  assert.equal(rcodeOf(second.raw), 5, 'REFUSED');
  assert.ok(Date.now() - t0 < 2500, 'refused without waiting for the upstream');
  // The zone is still answered while forwarding is saturated.
  assert.equal(rcodeOf((await udpQuery(port, query('x.cluster.local', 'A'))).raw), 3);
  assert.equal(rcodeOf((await first).raw), 2, 'SERVFAIL once the upstream timed out');
  assert.equal(server.forwardedInFlight, 0);
});

test('TCP: a client that shuts its side after its queries still gets the slow answers', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'podkit-dns-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [port, upstreamPort] = [await freeHostPort(), await freeHostPort()];
  // The forwarded query waits 200 ms on an upstream that never answers, then SERVFAIL.
  const blackHole = createSocket('udp4');
  t.after(() => {
    blackHole.close();
  });
  await new Promise<void>((resolve) => blackHole.bind(upstreamPort, '127.0.0.1', resolve));
  await writeFile(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  await using server = new ClusterDnsServer({
    host: '127.0.0.1',
    port,
    view,
    forwarder: { resolvConf: join(dir, 'resolv.conf'), port: upstreamPort, timeoutMs: 200 },
  });
  await server.listen();
  const qs = [query('big.shop.svc.cluster.local', 'A'), query('example.com', 'A')];
  const socket = connect({ port, host: '127.0.0.1' });
  t.after(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(socket, 'end');
  socket.end(Buffer.concat(qs.map((q) => encodeFrame(encode(q)))));
  await within(3000, 'the server ending its side', ended);
  const replies = new FrameReader().push(Buffer.concat(chunks));
  assert.deepEqual(
    replies.map((f) => `${rcodeOf(f)} ${decode(f).answers?.length}`),
    ['0 60', '2 0'],
  );
});
