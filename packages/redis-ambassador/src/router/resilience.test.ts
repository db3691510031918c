import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createAmbassador, type Ambassador } from './ambassador.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  command,
  exchange,
  info,
  startReplicaSet,
  waitReplicated,
  type RedisServer,
} from '../../test/redis-servers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function client(port: number): Redis {
  // No client-side retries: every error the ambassador returns counts.
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, lazyConnect: true });
}

/** A master, one replica and an ambassador in front of them, all removed after the test. */
async function masterAndReplica(
  t: TestContext,
): Promise<{ set: Awaited<ReturnType<typeof startReplicaSet>>; amb: Ambassador }> {
  const set = await startReplicaSet(1);
  t.after(() => set.stop());
  const amb = await createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    replicas: set.replicas.map((r) => `127.0.0.1:${r.port}`),
  });
  t.after(() => amb.close());
  return { set, amb };
}

test('pub/sub and blocking pops through the ambassador', async (t) => {
  const { set, amb } = await masterAndReplica(t);
  const [sub, pub, blocker, pusher] = [0, 1, 2, 3].map(() => client(amb.address.port)) as [
    Redis,
    Redis,
    Redis,
    Redis,
  ];
  t.after(() => {
    for (const c of [sub, pub, blocker, pusher]) c.disconnect();
  });
  await Promise.all([sub, pub, blocker, pusher].map((c) => c.connect()));

  // SUBSCRIBE + PSUBSCRIBE on one connection; PUBLISH from another client.
  const got: string[] = [];
  sub.on('message', (ch: string, msg: string) => got.push(`${ch}:${msg}`));
  sub.on('pmessage', (_p: string, ch: string, msg: string) => got.push(`p:${ch}:${msg}`));
  await sub.subscribe('news');
  await sub.psubscribe('ev.*');
  assert.equal(await pub.publish('news', 'hello'), 1);
  assert.equal(await pub.publish('ev.one', 'x'), 1);
  for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20);
  assert.deepEqual(got, ['news:hello', 'p:ev.one:x']);

  // BLPOP blocks on the master until another client pushes.
  const popped = blocker.blpop('jobs', 10);
  await sleep(300);
  assert.equal(await pusher.rpush('jobs', 'job-1'), 1);
  assert.deepEqual(await popped, ['jobs', 'job-1']);
  // After the pop the client reads normally again (from a replica once it has the write).
  await pusher.set('after-pop', 'v');
  await waitReplicated(set.master.port, 1, 2000);
  assert.equal(await blocker.get('after-pop'), 'v');
});

test('replica SIGKILLed and another SIGSTOPped under read load: 0 failed reads', async (t) => {
  const set = await startReplicaSet(3);
  t.after(() => set.stop());
  const [killed, stopped, survivor] = set.replicas as [
    (typeof set.replicas)[0],
    (typeof set.replicas)[0],
    (typeof set.replicas)[0],
  ];
  t.after(() => {
    try {
      process.kill(stopped.pid, 'SIGCONT');
    } catch {
      // already gone
    }
  });
  const keys = 100;
  const seed = [];
  for (let i = 0; i < keys; i++) seed.push(['SET', `k${i}`, `v${i}`]);
  for (const c of seed) await command(set.master.port, c);
  await waitReplicated(set.master.port, 3);

  const amb = await createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    replicas: set.replicas.map((r) => `127.0.0.1:${r.port}`),
    readFrom: 'prefer-replica',
    readYourWrites: false,
    healthIntervalMs: 200,
    healthTimeoutMs: 500,
  });
  t.after(() => amb.close());
  const clients = Array.from({ length: 6 }, () => client(amb.address.port));
  t.after(() => {
    for (const c of clients) c.disconnect();
  });
  await Promise.all(clients.map((c) => c.connect()));

  let reads = 0;
  const failures: string[] = [];
  // When each failure came, relative to the SIGKILL (and the SIGSTOP) and the SIGCONT.
  const marks = { kill: 0, cont: 0 };
  const at = (): string =>
    marks.kill === 0
      ? `before the kill`
      : `kill+${Date.now() - marks.kill} ms${marks.cont === 0 ? '' : `, cont+${Date.now() - marks.cont} ms`}`;
  let running = true;
  const load = clients.map(async (c, ci) => {
    for (let i = 0; running; i++) {
      const k = (i * 7 + ci) % keys;
      try {
        // Pipelines of 10 keep several reads in flight on every backend connection.
        const p = c.pipeline();
        for (let j = 0; j < 10; j++) p.get(`k${(k + j) % keys}`);
        const res = (await p.exec()) ?? [];
        res.forEach(([err, v], j) => {
          reads++;
          if (err !== null) failures.push(`${err.message} (${at()})`);
          else if (v !== `v${(k + j) % keys}`)
            failures.push(`k${(k + j) % keys} = ${String(v)} (${at()})`);
        });
      } catch (err) {
        failures.push(`${err instanceof Error ? err.message : String(err)} (${at()})`);
      }
    }
  });

  const replicaGets = async (port: number): Promise<number> =>
    Number(
      /calls=(\d+)/.exec((await info(port, 'commandstats')).get('cmdstat_get') ?? '')?.[1] ?? 0,
    );
  await sleep(800);
  process.kill(killed.pid, 'SIGKILL');
  marks.kill = Date.now();
  process.kill(stopped.pid, 'SIGSTOP');
  await sleep(1000);
  const byName = (port: number): boolean | undefined =>
    amb.topology.replicas.find((r) => r.endpoint.port === port)?.healthy;
  const downWhileStopped = byName(stopped.port);
  const killedDown = byName(killed.port);
  // Stopped for 5 s in all, as the issue asks.
  await sleep(4000);
  process.kill(stopped.pid, 'SIGCONT');
  marks.cont = Date.now();
  for (let i = 0; i < 100 && byName(stopped.port) !== true; i++) await sleep(50);
  await sleep(200);
  const readsBefore = await replicaGets(stopped.port);
  await sleep(800);
  running = false;
  await Promise.all(load);
  const readsAfter = await replicaGets(stopped.port);

  t.diagnostic(`${reads} reads, survivor served ${await replicaGets(survivor.port)}`);
  if (failures.length > 0) {
    t.diagnostic(`${failures.length} failed reads: ${failures.slice(0, 20).join('; ')}`);
    t.diagnostic(await nodesReport([set.master, survivor, stopped, killed]));
  }
  assert.deepEqual(failures.slice(0, 5), []);
  assert.ok(reads > 1000, `only ${reads} reads`);
  assert.equal(killedDown, false, 'the SIGKILLed replica is marked down');
  assert.equal(downWhileStopped, false, 'the SIGSTOPped replica is marked down');
  assert.equal(byName(stopped.port), true, 'the stopped replica is back after SIGCONT');
  assert.ok(readsAfter > readsBefore, 'the resumed replica serves reads again');
});

/**
 * What each node holds and says about replication, with its log's last lines: shown when a
 * read came back wrong, to tell which node lost data and why (a resync, a restart).
 */
async function nodesReport(nodes: readonly RedisServer[]): Promise<string> {
  const parts = await Promise.all(
    nodes.map(async (n) => {
      const ask = async (args: string[]): Promise<string> => {
        const v = await command(n.port, args).catch((err: unknown) => String(err));
        return typeof v === 'string' ? v : JSON.stringify(v);
      };
      const log = await readFile(join(n.dir, 'redis.log'), 'utf8').catch(() => '');
      return [
        `--- ${n.port}: dbsize ${await ask(['DBSIZE'])}`,
        (await ask(['INFO', 'replication'])).replace(/\r\n/g, ' '),
        ...log.trimEnd().split('\n').slice(-25),
      ].join('\n');
    }),
  );
  return parts.join('\n');
}

/** Reads from `sock` until `done(text so far)` holds; the text (latin1) is returned. */
function readUntil(sock: net.Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (done(text)) {
        sock.off('data', onData);
        resolve(text);
      }
    };
    sock.on('data', onData);
    sock.once('close', () => {
      reject(new Error(`closed after ${JSON.stringify(text.slice(0, 200))}`));
    });
  });
}

test('SYNC through the ambassador carries the replication stream; with a reply outstanding it is refused at once', async (t) => {
  const { amb } = await masterAndReplica(t);

  // The RDB payload (a bulk length, then that many bytes and no CRLF), then the master's
  // commands as they replicate: a SET sent through another connection shows up.
  const sync = net.connect(amb.address.port, '127.0.0.1');
  t.after(() => {
    sync.destroy();
  });
  sync.write('SYNC\r\n');
  const payload = await readUntil(sync, (s) => {
    const m = /^\n*\$(\d+)\r\n/.exec(s);
    return m !== null && s.length >= m[0].length + Number(m[1]);
  });
  assert.match(payload, /REDIS/);
  const streamed = readUntil(sync, (s) => s.includes('sync:key'));
  await command(amb.address.port, ['SET', 'sync:key', 'v']);
  assert.match(await streamed, /SET[\s\S]*sync:key/i);

  // A blocking pop still waiting on this client's master connection: SYNC is refused (after
  // the pop's reply, in request order), and the connection goes on.
  const busy = net.connect(amb.address.port, '127.0.0.1');
  t.after(() => {
    busy.destroy();
  });
  busy.write('BLPOP sync:none 0.2\r\nSYNC\r\nPING\r\n');
  const text = await readUntil(busy, (s) => s.includes('+PONG'));
  assert.match(
    text,
    /^\*-1\r\n-ERR ambassador: SYNC refused \(AMBASSADOR_COMMAND_REFUSED\): [^\r]+\r\n\+PONG\r\n$/,
  );
});

test('UNSUBSCRIBE of three channels on a plain connection: three replies, then the connection goes on', async (t) => {
  const { set, amb } = await masterAndReplica(t);
  const request = 'UNSUBSCRIBE a b c\r\nPING\r\n';
  const [direct] = await exchange(set.master.port, Buffer.from(request), 4).then((r) => [
    Buffer.concat(r).toString('latin1'),
  ]);
  const sock = net.connect(amb.address.port, '127.0.0.1');
  t.after(() => {
    sock.destroy();
  });
  sock.write(request);
  assert.equal(await readUntil(sock, (s) => s.includes('PONG')), direct);
});
