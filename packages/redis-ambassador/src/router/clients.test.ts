import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { createAmbassador, type Ambassador } from './ambassador.js';
import { info, startReplicaSet } from '../../test/redis-servers.js';

/*
 * The two Node clients the issue names, each in RESP2 and RESP3, through an ambassador in split
 * mode (reads to replicas, read-your-writes on): handshake (HELLO, AUTH-less, CLIENT SETNAME),
 * pipelines, MULTI/EXEC, pub/sub, blocking pops, scripts (EVAL, SCRIPT LOAD + EVALSHA, and the
 * read-only EVALSHA_RO that runs on a replica).
 */

let set: Awaited<ReturnType<typeof startReplicaSet>>;
let amb: Ambassador;
let url: string;

before(async () => {
  set = await startReplicaSet(2);
  amb = await createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    replicas: set.replicas.map((r) => `127.0.0.1:${r.port}`),
    readFrom: 'prefer-replica',
  });
  url = `redis://127.0.0.1:${amb.address.port}`;
});
after(async () => {
  await amb.close();
  await set.stop();
});

/** `calls=` of one command in a node's INFO commandstats. */
async function calls(port: number, cmd: string): Promise<number> {
  const stats = await info(port, 'commandstats');
  return Number(/calls=(\d+)/.exec(stats.get(`cmdstat_${cmd}`) ?? '')?.[1] ?? 0);
}

const SCRIPT = "return redis.call('GET', KEYS[1])";

/** `promise`, or a failure naming `what` after 30 s (a bound against hanging, not a timing test). */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out waiting for ${what}`));
    }, 30_000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

for (const protocol of [2, 3] as const) {
  test(`node-redis, RESP${protocol}: handshake, pipeline, MULTI/EXEC, pub/sub, blocking pop, scripts`, async (t) => {
    const ns = `nr${protocol}`;
    const client = createClient({ url, RESP: protocol, name: `${ns}-main` });
    const errors: unknown[] = [];
    client.on('error', (e: unknown) => errors.push(e));
    await client.connect();
    t.after(() => {
      client.destroy();
    });

    // Handshake: HELLO (RESP3) / plain, the connection name set through the ambassador.
    assert.equal(await client.clientGetName(), `${ns}-main`);
    assert.equal(await client.ping(), 'PONG');

    // Pipeline (node-redis pipelines commands issued in the same tick).
    const replies = await Promise.all([
      client.set(`${ns}:a`, '1'),
      client.incr(`${ns}:a`),
      client.get(`${ns}:a`),
      client.hSet(`${ns}:h`, { f1: 'v1', f2: 'v2' }),
      client.hGetAll(`${ns}:h`),
    ]);
    assert.deepEqual(replies.slice(0, 4), ['OK', 2, '2', 2]);
    assert.deepEqual({ ...(replies[4] as Record<string, string>) }, { f1: 'v1', f2: 'v2' });
    const multiExec = await client
      .multi()
      .set(`${ns}:tx`, 'x')
      .get(`${ns}:tx`)
      .incr(`${ns}:n`)
      .exec();
    assert.deepEqual(multiExec, ['OK', 'x', 1]);
    const batch = await client.multi().get(`${ns}:tx`).incr(`${ns}:n`).execAsPipeline();
    assert.deepEqual(batch, ['x', 2]);

    // Pub/sub on a connection of its own (node-redis' rule for subscribers).
    const sub = client.duplicate();
    sub.on('error', (e: unknown) => errors.push(e));
    await sub.connect();
    t.after(() => {
      sub.destroy();
    });
    const got: string[] = [];
    const received = new Promise<void>((resolve) => {
      void sub.subscribe(`${ns}:ch`, (message) => {
        got.push(message);
        if (got.length === 2) resolve();
      });
    });
    // Subscribed once PUBSUB NUMSUB (on the master) counts it.
    for (let i = 0; (await client.pubSubNumSub(`${ns}:ch`))[`${ns}:ch`] !== 1; i++) {
      assert.ok(i < 200, 'subscription never registered');
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(await client.publish(`${ns}:ch`, 'm1'), 1);
    assert.equal(await client.publish(`${ns}:ch`, 'm2'), 1);
    await within(received, 'two messages');
    assert.deepEqual(got, ['m1', 'm2']);
    await sub.unsubscribe(`${ns}:ch`);

    // Blocking pop, unblocked by another client's push.
    const blocker = client.duplicate();
    blocker.on('error', (e: unknown) => errors.push(e));
    await blocker.connect();
    t.after(() => {
      blocker.destroy();
    });
    const popped = blocker.blPop(`${ns}:q`, 10);
    for (let i = 0; (await client.clientList()).every((c) => c.cmd !== 'blpop'); i++) {
      // CLIENT LIST goes to the master, where the blocked connection is.
      assert.ok(i < 200, 'BLPOP never blocked');
      await new Promise((r) => setTimeout(r, 25));
    }
    await client.rPush(`${ns}:q`, 'job');
    assert.deepEqual({ ...(await within(popped, 'BLPOP')) }, { key: `${ns}:q`, element: 'job' });

    // Scripts: EVAL on the master; SCRIPT LOAD reaches every node, so EVALSHA_RO can run on a
    // replica.
    await client.set(`${ns}:s`, 'scripted');
    assert.equal(await client.eval(SCRIPT, { keys: [`${ns}:s`] }), 'scripted');
    const sha = await client.scriptLoad(SCRIPT);
    assert.equal(await client.evalSha(sha, { keys: [`${ns}:s`] }), 'scripted');
    await client.wait(2, 5000);
    const sum = async (): Promise<number> =>
      (await Promise.all(set.replicas.map((r) => calls(r.port, 'evalsha_ro')))).reduce(
        (a, b) => a + b,
        0,
      );
    const roBefore = await sum();
    // Reads fall back to the master while a replica's health check is pending (a loaded
    // machine): keep reading, a bounded number of times, until one reaches a replica.
    let roAfter = roBefore;
    for (let i = 0; i < 100 && roAfter === roBefore; i++) {
      assert.equal(await client.evalShaRo(sha, { keys: [`${ns}:s`] }), 'scripted');
      roAfter = await sum();
      if (roAfter === roBefore) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(roAfter > roBefore, 'EVALSHA_RO reached no replica');
    assert.deepEqual(errors, []);
  });

  test(`ioredis, RESP${protocol}: handshake, pipeline, MULTI/EXEC, pub/sub, blocking pop, scripts`, async (t) => {
    const ns = `io${protocol}`;
    const opts = {
      port: amb.address.port,
      host: '127.0.0.1',
      protocol,
      connectionName: `${ns}-main`,
      maxRetriesPerRequest: 0,
    };
    const r = new Redis(opts);
    t.after(() => {
      r.disconnect();
    });
    assert.equal(await r.client('GETNAME'), `${ns}-main`);
    if (protocol === 3) {
      const hello = (await r.call('HELLO', '3')) as unknown[];
      assert.equal(hello[hello.indexOf('proto') + 1], 3);
    }

    const p = await r
      .pipeline()
      .set(`${ns}:a`, '1')
      .incr(`${ns}:a`)
      .get(`${ns}:a`)
      .hset(`${ns}:h`, 'f1', 'v1')
      .hgetall(`${ns}:h`)
      .exec();
    assert.deepEqual(p, [
      [null, 'OK'],
      [null, 2],
      [null, '2'],
      [null, 1],
      [null, { f1: 'v1' }],
    ]);
    const tx = await r.multi().set(`${ns}:tx`, 'x').get(`${ns}:tx`).exec();
    assert.deepEqual(tx, [
      [null, 'OK'],
      [null, 'x'],
    ]);

    const sub = new Redis(opts);
    t.after(() => {
      sub.disconnect();
    });
    const got: string[] = [];
    const received = new Promise<void>((resolve) => {
      sub.on('message', (_channel: string, message: string) => {
        got.push(message);
        if (got.length === 3) resolve();
      });
      sub.on('pmessage', (_pattern: string, _channel: string, message: string) => {
        got.push(`p:${message}`);
        if (got.length === 3) resolve();
      });
    });
    await sub.subscribe(`${ns}:ch`);
    await sub.psubscribe(`${ns}:pat*`);
    assert.equal(await r.publish(`${ns}:ch`, 'm1'), 1);
    assert.equal(await r.publish(`${ns}:pattern`, 'm2'), 1);
    assert.equal(await r.publish(`${ns}:ch`, 'm3'), 1);
    await within(received, 'three messages');
    assert.deepEqual(got, ['m1', 'p:m2', 'm3']);

    const blocker = new Redis(opts);
    t.after(() => {
      blocker.disconnect();
    });
    const popped = blocker.brpop(`${ns}:q`, 10);
    for (let i = 0; !String(await r.call('CLIENT', 'LIST')).includes('cmd=brpop'); i++) {
      assert.ok(i < 200, 'BRPOP never blocked');
      await new Promise((res) => setTimeout(res, 25));
    }
    await r.lpush(`${ns}:q`, 'job');
    assert.deepEqual(await within(popped, 'BRPOP'), [`${ns}:q`, 'job']);

    await r.set(`${ns}:s`, 'scripted');
    assert.equal(await r.eval(SCRIPT, 1, `${ns}:s`), 'scripted');
    const sha = (await r.script('LOAD', SCRIPT)) as string;
    assert.equal(await r.evalsha(sha, 1, `${ns}:s`), 'scripted');
    r.defineCommand('getVia', { numberOfKeys: 1, lua: SCRIPT, readOnly: true });
    const custom = r as Redis & { getVia(key: string): Promise<string> };
    assert.equal(await custom.getVia(`${ns}:s`), 'scripted');
    await r.wait(2, 5000);
    assert.deepEqual(await r.evalsha_ro(sha, 1, `${ns}:s`), 'scripted');
  });
}

test('the scripts of SCRIPT LOAD reach every node (broadcast)', async () => {
  const c = new Redis({ port: amb.address.port, host: '127.0.0.1', protocol: 2 });
  try {
    const sha = (await c.script('LOAD', 'return 42')) as string;
    for (const s of [set.master, ...set.replicas]) {
      const direct = new Redis({ port: s.port, host: '127.0.0.1', protocol: 2 });
      try {
        assert.deepEqual(await direct.script('EXISTS', sha), [1]);
      } finally {
        direct.disconnect();
      }
    }
  } finally {
    c.disconnect();
  }
});
