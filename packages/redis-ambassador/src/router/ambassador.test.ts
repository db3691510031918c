import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createAmbassador, type Ambassador } from './ambassador.js';
import { encodeCommand } from '../resp/decode.js';
import { ReplyFramer, RequestFramer } from '../resp/framer.js';
import {
  command,
  exchange,
  info,
  startReplicaSet,
  type RedisServer,
} from '../../test/redis-servers.js';

let master: RedisServer;
let replicas: RedisServer[];
let stopAll: () => Promise<void>;

before(async () => {
  const set = await startReplicaSet(2);
  master = set.master;
  replicas = set.replicas;
  stopAll = () => set.stop();
  // Data every read-only pipeline reads; replicated before any test reads it.
  const load: Buffer[] = [];
  for (let i = 0; i < 50; i++)
    load.push(encodeCommand(['SET', `pre:${i}`, `value-${i}-${'x'.repeat(i)}`]));
  load.push(encodeCommand(['RPUSH', 'pre:list', 'a', 'b', 'c']));
  load.push(encodeCommand(['HSET', 'pre:hash', 'f1', 'v1', 'f2', 'v2']));
  load.push(encodeCommand(['ZADD', 'pre:zset', '1', 'one', '2.5', 'two']));
  load.push(encodeCommand(['WAIT', '2', '5000']));
  const replies = await exchange(master.port, load, load.length);
  assert.equal(replies.at(-1)?.toString(), ':2\r\n');
});

after(async () => {
  await stopAll();
});

/** Read-your-writes off: these tests are about routing by command, not by client history. */
async function ambassador(readFrom: 'master' | 'replica'): Promise<Ambassador> {
  return createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${master.port}`,
    replicas: replicas.map((r) => `127.0.0.1:${r.port}`),
    readFrom,
    readYourWrites: false,
  });
}

/** A deterministic mixed pipeline: writes to fresh keys under `ns`, reads of preloaded keys. */
function mixedPipeline(n: number, ns: string, seed: number, readAfterWrite: boolean): Buffer {
  let s = seed;
  const rnd = (k: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % k;
  };
  const cmds: string[][] = [];
  for (let i = 0; i < n; i++) {
    const k = `pre:${rnd(50)}`;
    switch (rnd(14)) {
      case 0:
        cmds.push(['SET', `${ns}:${rnd(20)}`, `v${i}`]);
        break;
      case 1:
        cmds.push(['INCR', `${ns}:ctr`]);
        break;
      case 2:
        cmds.push(['MGET', k, 'pre:1', 'pre:missing']);
        break;
      case 3:
        cmds.push(['HGETALL', 'pre:hash']);
        break;
      case 4:
        cmds.push(['LRANGE', 'pre:list', '0', '-1']);
        break;
      case 5:
        cmds.push(['ZRANGE', 'pre:zset', '0', '-1', 'WITHSCORES']);
        break;
      case 6:
        cmds.push(['GET', 'pre:list']);
        break; // WRONGTYPE error reply
      case 7:
        cmds.push(['PING']);
        break;
      case 8:
        cmds.push(['ECHO', `e${i}`]);
        break;
      case 9:
        cmds.push(['LPUSH', `${ns}:l`, `x${i}`]);
        break;
      case 10:
        cmds.push(readAfterWrite ? ['GET', `${ns}:${rnd(20)}`] : ['STRLEN', k]);
        break;
      case 11:
        cmds.push(['EXISTS', k, 'pre:hash']);
        break;
      case 12:
        cmds.push(['NOSUCHCOMMAND', 'x']);
        break;
      default:
        cmds.push(['GET', k]);
        break;
    }
  }
  return Buffer.concat(cmds.map((c) => encodeCommand(c)));
}

/** Splits `data` at random points (to be written with pauses in between). */
function randomChunks(data: Buffer, seed: number): Buffer[] {
  let s = seed;
  const out: Buffer[] = [];
  for (let i = 0; i < data.length;) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % 600);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

function countRequests(data: Buffer): number {
  const f = new RequestFramer();
  f.push(data);
  let n = 0;
  for (let ev = f.next(); ev; ev = f.next()) if (ev.kind === 'frame' && ev.last) n++;
  return n;
}

test('pipelines of 1-1000 mixed commands: replies byte-identical to direct Redis', async (t) => {
  for (const readFrom of ['replica', 'master'] as const) {
    const amb = await ambassador(readFrom);
    t.after(() => amb.close());
    for (const n of [1, 2, 10, 100, 1000]) {
      const readAfterWrite = readFrom === 'master';
      // Same-length namespaces: the same commands on fresh keys give the same replies.
      const viaAmb = mixedPipeline(
        n,
        `a${readFrom[0]!}${String(n).padStart(4, '0')}`,
        n,
        readAfterWrite,
      );
      const direct = mixedPipeline(
        n,
        `d${readFrom[0]!}${String(n).padStart(4, '0')}`,
        n,
        readAfterWrite,
      );
      const count = countRequests(direct);
      assert.equal(count, n);
      const want = Buffer.concat(await exchange(master.port, direct, count));
      const got = Buffer.concat(
        await exchange(amb.address.port, randomChunks(viaAmb, n), count, true),
      );
      assert.equal(got.toString('latin1'), want.toString('latin1'), `${readFrom} n=${n}`);
    }
  }
});

test('split mode: GET-heavy load reaches replicas (>= 95 %), no write reaches a replica', async (t) => {
  const amb = await ambassador('replica');
  t.after(() => amb.close());
  for (const s of [master, ...replicas]) await command(s.port, ['CONFIG', 'RESETSTAT']);
  const clients = Array.from(
    { length: 4 },
    () => new Redis({ port: amb.address.port, host: '127.0.0.1', lazyConnect: true }),
  );
  t.after(() => {
    for (const c of clients) c.disconnect();
  });
  await Promise.all(clients.map((c) => c.connect()));
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let round = 0; round < 20; round++) {
        const p = c.pipeline();
        for (let i = 0; i < 50; i++) p.get(`pre:${(i + round) % 50}`);
        p.set(`load:${ci}:${round}`, 'v');
        p.incr(`load:${ci}:ctr`);
        const res = await p.exec();
        assert.ok(res);
        for (const [err] of res) assert.equal(err, null);
      }
    }),
  );
  const stats = await Promise.all([master, ...replicas].map((s) => info(s.port, 'all')));
  const calls = (m: Map<string, string>, cmd: string): number =>
    Number(/calls=(\d+)/.exec(m.get(`cmdstat_${cmd}`) ?? '')?.[1] ?? 0);
  const [m, ...rs] = stats as [Map<string, string>, ...Map<string, string>[]];
  const getsOnReplicas = rs.reduce((sum, r) => sum + calls(r, 'get'), 0);
  const getsOnMaster = calls(m, 'get');
  t.diagnostic(
    `GET on master ${getsOnMaster}, on replicas ${rs.map((r) => calls(r, 'get')).join('+')}`,
  );
  assert.equal(getsOnReplicas + getsOnMaster, 4 * 20 * 50);
  assert.ok(getsOnReplicas / (getsOnReplicas + getsOnMaster) >= 0.95);
  for (const r of rs) {
    // Both replicas served reads (round robin), and no client write reached one: a write sent to
    // a replica is refused with READONLY, and the SET/INCR it ran are exactly the replicated ones.
    assert.ok(calls(r, 'get') > 0);
    assert.equal(r.get('errorstat_READONLY'), undefined);
    assert.equal(calls(r, 'set'), calls(m, 'set'));
    assert.equal(calls(r, 'incr'), calls(m, 'incr'));
  }
  assert.equal(calls(m, 'set'), 80);
});

test('clients without connection state share one backend connection; going dedicated keeps order', async (t) => {
  const amb = await ambassador('master');
  t.after(() => amb.close());
  const clientsOnMaster = async (): Promise<number> =>
    Number((await info(master.port, 'clients')).get('connected_clients'));
  const before = await clientsOnMaster();
  const clients = Array.from(
    { length: 12 },
    // RESP2 (HELLO 2): ioredis 6 defaults to RESP3, which needs the client's own connections.
    () => new Redis({ port: amb.address.port, host: '127.0.0.1', lazyConnect: true, protocol: 2 }),
  );
  t.after(() => {
    for (const c of clients) c.disconnect();
  });
  await Promise.all(clients.map((c) => c.connect()));
  const results = await Promise.all(
    clients.map(async (c, i) => {
      const p = c.pipeline();
      for (let j = 0; j < 20; j++) p.incr(`share:${i}`);
      p.get(`share:${i}`);
      return (await p.exec())?.at(-1)?.[1];
    }),
  );
  assert.deepEqual(results, Array(12).fill('20'));
  // 12 clients, and on the master only the shared data connection (plus at most the health
  // check's control connection, and the info() connection that counts): before this change
  // each client had its own.
  const during = await clientsOnMaster();
  t.diagnostic(`master connections: ${before} before, ${during} with 12 clients`);
  assert.ok(during - before <= 2, `${during - before} new connections on the master`);

  // One write: 200 INCRs on the shared connection, then CLIENT SETNAME (connection state: the
  // client goes to its own connection) and a GET there. The GET must not overtake the INCRs.
  const req = [encodeCommand(['DEL', 'share:order'])];
  for (let j = 0; j < 200; j++) req.push(encodeCommand(['INCR', 'share:order']));
  req.push(encodeCommand(['CLIENT', 'SETNAME', 'ordered']), encodeCommand(['GET', 'share:order']));
  const replies = await exchange(amb.address.port, Buffer.concat(req), req.length);
  assert.equal(replies.at(-2)?.toString(), '+OK\r\n');
  assert.equal(replies.at(-1)?.toString(), '$3\r\n200\r\n');
});

/** Writes raw bytes and collects everything until the peer closes (or `ms` of silence). */
function rawUntilClose(port: number, bytes: Buffer): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, 3000);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
    sock.write(bytes);
  });
}

test('protocol errors are answered like Redis, then the connection is closed', async (t) => {
  const amb = await ambassador('replica');
  t.after(() => amb.close());
  const cases = [
    '*x\r\n',
    '*3000000000\r\n',
    '*1\r\n$-1\r\n',
    '*1\r\nfoo\r\n',
    '*1\r\n\r\n',
    'SET "a\r\n',
    'ECHO "a"b\r\n',
    'PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nab\r\n*1\r\n$x\r\n',
    'GET pre:1\r\nGET pre:2\r\n*1\r\n$999999999999\r\n',
  ];
  for (const c of cases) {
    const bytes = Buffer.from(c, 'latin1');
    const direct = await rawUntilClose(master.port, bytes);
    const via = await rawUntilClose(amb.address.port, bytes);
    assert.ok(direct.closed, `redis closed on ${JSON.stringify(c)}`);
    assert.deepEqual(via, direct, JSON.stringify(c));
    assert.match(via.data, /-ERR Protocol error: /);
  }
});

test('ioredis through the ambassador: pipeline, MULTI/EXEC, SELECT replayed on replicas, big values', async (t) => {
  const amb = await ambassador('replica');
  t.after(() => amb.close());
  const r = new Redis({ port: amb.address.port, host: '127.0.0.1', db: 3 });
  t.after(() => {
    r.disconnect();
  });

  const p = await r
    .pipeline()
    .set('io:a', '1')
    .incr('io:a')
    .get('pre:7')
    .hgetall('pre:hash')
    .exec();
  assert.deepEqual(p, [
    [null, 'OK'],
    [null, 2],
    [null, null], // db 3: the preloaded key lives in db 0, so SELECT reached the replica too
    [null, {}],
  ]);

  const tx = await r.multi().set('io:tx', 'x').get('io:tx').incr('io:n').exec();
  assert.deepEqual(tx, [
    [null, 'OK'],
    [null, 'x'],
    [null, 1],
  ]);
  // Reads inside MULTI went to the master: the transaction saw its own write.

  // A value past the stream threshold, both ways.
  const big = 'z'.repeat(3 * 1024 * 1024 + 7);
  await r.set('io:big', big);
  await r.wait(2, 5000);
  assert.equal(await r.get('io:big'), big);
  assert.equal(await r.strlen('io:big'), big.length);
  // Confirm where db 3's data is: the replica has it in db 3 (replication), not in db 0.
  assert.equal(await command(replicas[0]!.port, ['EXISTS', 'io:big']), 0);
});

/**
 * Writes `chunks` one per event-loop turn on a fresh connection (Nagle off, so each is its own
 * segment and the in-process ambassador reads it before the next is written) and collects
 * `replies` reply frames.
 */
async function paced(port: number, chunks: readonly Buffer[], replies: number): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  const framer = new ReplyFramer();
  const got: Buffer[] = [];
  let frames = 0;
  const done = new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.on('close', () => {
      reject(new Error(`closed after ${frames} of ${replies} replies`));
    });
    sock.on('data', (d: Buffer) => {
      got.push(d);
      framer.push(d);
      for (let ev = framer.next(); ev; ev = framer.next()) {
        if (ev.kind === 'error') reject(new Error(ev.message));
        else if (ev.last) frames++;
      }
      if (frames >= replies) resolve();
    });
  });
  await new Promise<void>((resolve) => sock.once('connect', resolve));
  for (const c of chunks) {
    sock.write(c);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  try {
    await done;
  } finally {
    sock.destroy();
  }
  return Buffer.concat(got).toString('latin1');
}

test('pipelines split at every byte boundary: replies byte-identical to direct Redis', async (t) => {
  const amb = await ambassador('replica');
  t.after(() => amb.close());
  let run = 0;
  const ns = (side: string): string => `${side}${String(run++).padStart(6, '0')}`;
  // Small pipelines: every cut point, as two writes (one connection per cut point).
  for (const n of [1, 2, 3, 5, 10]) {
    const want = Buffer.concat(
      await exchange(master.port, mixedPipeline(n, ns('d'), 7 * n, false), n),
    ).toString('latin1');
    const size = mixedPipeline(n, ns('a'), 7 * n, false).length;
    for (let at = 1; at < size; at++) {
      const data = mixedPipeline(n, ns('a'), 7 * n, false);
      const got = await paced(amb.address.port, [data.subarray(0, at), data.subarray(at)], n);
      assert.equal(got, want, `n=${n} cut at byte ${at}`);
    }
  }
  // Large pipelines: one byte per write, so every boundary is a chunk boundary in one run.
  for (const n of [100, 1000]) {
    const want = Buffer.concat(
      await exchange(master.port, mixedPipeline(n, ns('d'), n + 1, false), n),
    ).toString('latin1');
    const data = mixedPipeline(n, ns('a'), n + 1, false);
    const bytes = Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
    assert.equal(await paced(amb.address.port, bytes, n), want, `n=${n} byte by byte`);
  }
});

test('EVALSHA_RO of a script only the master has: a replica NOSCRIPT is answered by the master', async (t) => {
  const amb = await ambassador('replica');
  t.after(() => amb.close());
  // Loaded on the master alone (SCRIPT LOAD is not replicated): every replica lacks it.
  const script = `return 'only-on-master-${Date.now()}'`;
  const sha = (await command(master.port, ['SCRIPT', 'LOAD', script])) as string;
  for (const r of replicas) {
    assert.deepEqual(await command(r.port, ['SCRIPT', 'EXISTS', sha]), [0]);
  }
  const before = await Promise.all(replicas.map((r) => info(r.port, 'commandstats')));
  const c = new Redis({ port: amb.address.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  t.after(() => {
    c.disconnect();
  });
  // Alone and inside a pipeline of other reads, on both replicas (round robin).
  for (let i = 0; i < 4; i++) {
    assert.equal(await c.call('EVALSHA_RO', sha, '0'), script.slice(8, -1));
  }
  const replies = await c.pipeline().get('pre:1').call('EVALSHA_RO', sha, '0').get('pre:2').exec();
  assert.deepEqual(
    replies?.map(([err, v]) => [err, v]),
    [
      [null, 'value-1-x'],
      [null, script.slice(8, -1)],
      [null, 'value-2-xx'],
    ],
  );
  // The replicas were asked first (and said NOSCRIPT): the retry is the ambassador's doing.
  const after = await Promise.all(replicas.map((r) => info(r.port, 'commandstats')));
  const failed = (m: Map<string, string>): number =>
    Number(/failed_calls=(\d+)/.exec(m.get('cmdstat_evalsha_ro') ?? '')?.[1] ?? 0);
  const asked = after.reduce(
    (n, m, i) => n + failed(m) - failed(before[i] ?? new Map<string, string>()),
    0,
  );
  assert.ok(asked >= 5, `replicas refused EVALSHA_RO ${asked} times`);
  // An unknown script is still NOSCRIPT for the client (from the master).
  await assert.rejects(c.call('EVALSHA_RO', '0'.repeat(40), '0'), /NOSCRIPT/);
});

/** GET calls of each replica so far (INFO commandstats). */
async function replicaGets(): Promise<number[]> {
  return Promise.all(
    replicas.map(async (r) => {
      const stats = await info(r.port, 'commandstats');
      return Number(/calls=(\d+)/.exec(stats.get('cmdstat_get') ?? '')?.[1] ?? 0);
    }),
  );
}

test('replica weights: round robin follows them (3:1), weight 0 takes no reads', async (t) => {
  const [r1, r2] = replicas.map((r) => `127.0.0.1:${r.port}`) as [string, string];
  for (const [weights, expected] of [
    [
      [3, 1],
      [300, 100],
    ],
    [
      [0, 1],
      [0, 400],
    ],
  ] as const) {
    const amb = await createAmbassador({
      listen: '127.0.0.1:0',
      master: `127.0.0.1:${master.port}`,
      replicas: [r1, r2],
      readFrom: 'replica',
      readYourWrites: false,
      replicaWeights: new Map([
        [r1, weights[0]],
        [r2, weights[1]],
      ]),
    });
    t.after(() => amb.close());
    const c = new Redis({ port: amb.address.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    t.after(() => {
      c.disconnect();
    });
    const before = await replicaGets();
    for (let i = 0; i < 400; i++) assert.equal(await c.get('pre:3'), 'value-3-xxx');
    const after = await replicaGets();
    assert.deepEqual(
      after.map((n, i) => n - (before[i] ?? 0)),
      expected,
      `weights ${weights.join(':')}`,
    );
  }
});

test('least-outstanding: reads avoid a stalled replica that round robin keeps feeding', async (t) => {
  const stalled = replicas[0]!;
  const outcome = async (balance: 'round-robin' | 'least-outstanding'): Promise<number> => {
    const amb = await createAmbassador({
      listen: '127.0.0.1:0',
      master: `127.0.0.1:${master.port}`,
      replicas: replicas.map((r) => `127.0.0.1:${r.port}`),
      readFrom: 'replica',
      readYourWrites: false,
      balance,
      // No health check while the replica is stopped: only the balancing decides.
      healthIntervalMs: 600_000,
    });
    t.after(() => amb.close());
    const clients = Array.from(
      { length: 10 },
      () => new Redis({ port: amb.address.port, host: '127.0.0.1', maxRetriesPerRequest: 0 }),
    );
    t.after(() => {
      for (const c of clients) c.disconnect();
    });
    await Promise.all(clients.map((c) => c.ping()));
    process.kill(stalled.pid, 'SIGSTOP');
    let resumed = false;
    const resume = (): void => {
      if (!resumed) process.kill(stalled.pid, 'SIGCONT');
      resumed = true;
    };
    t.after(resume);
    // One read per client, each in its own event-loop turn of the ambassador.
    let answeredWhileStopped = 0;
    const reads: Promise<void>[] = [];
    for (const c of clients) {
      reads.push(
        c.get('pre:4').then((v) => {
          assert.equal(v, 'value-4-xxxx');
          if (!resumed) answeredWhileStopped++;
        }),
      );
      await new Promise((r) => setTimeout(r, 30));
    }
    // Every read the running replica can answer has been answered by now (bounded wait).
    for (let i = 0; i < 100 && answeredWhileStopped < 9; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    resume();
    await Promise.all(reads);
    return answeredWhileStopped;
  };
  const rr = await outcome('round-robin');
  const lo = await outcome('least-outstanding');
  t.diagnostic(
    `reads answered while one replica was stopped: round robin ${rr}, least-outstanding ${lo} of 10`,
  );
  assert.equal(lo, 9, 'least-outstanding sends only the first read to the stopped replica');
  assert.ok(
    rr <= 6,
    `round robin answered ${rr}: it should have sent about half to the stopped replica`,
  );
});
