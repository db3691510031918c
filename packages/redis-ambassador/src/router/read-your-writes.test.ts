import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Redis } from 'ioredis';
import { createAmbassador, type Ambassador } from './ambassador.js';
import type { RouteLabel, RouterMetrics, TopologyMetrics } from '../metrics.js';
import { encodeCommand } from '../resp/decode.js';
import { ReplyFramer } from '../resp/framer.js';
import { startReplicaSet } from '../../test/redis-servers.js';

/**
 * Iterations of the SET-then-GET loop. The issue asks for 100,000: `PODKIT_RYW_ITERATIONS=100000`
 * runs them (see docs/redis-ambassador.md for how long that takes); the suite's default is
 * 5,000 so that both modes stay within about a minute and a half on the shared 2-core machine.
 */
const ITERATIONS = Number(process.env.PODKIT_RYW_ITERATIONS ?? 5_000);

let set: Awaited<ReturnType<typeof startReplicaSet>>;
before(async () => {
  set = await startReplicaSet(2);
});
after(async () => {
  await set.stop();
});

class RouteCounter implements RouterMetrics, TopologyMetrics {
  readonly routes = new Map<RouteLabel, number>();
  command(route: RouteLabel): void {
    this.routes.set(route, (this.routes.get(route) ?? 0) + 1);
  }
  readRetried(): void {
    // not counted here
  }
  clients(): void {
    // not counted here
  }
  nodeHealth(): void {
    // not counted here
  }
  failover(): void {
    // not counted here
  }
}

async function start(ryw: boolean, metrics?: RouteCounter): Promise<Ambassador> {
  return createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    replicas: set.replicas.map((r) => `127.0.0.1:${r.port}`),
    readFrom: 'prefer-replica',
    readYourWrites: ryw,
    metrics,
  });
}

/**
 * A bare RESP connection for the SET-then-GET loop: one request out, its whole reply back,
 * nothing pipelined; no client library in the way, so 100,000 round trips fit in the suite.
 */
class RoundTrip {
  private readonly sock: net.Socket;
  private readonly framer = new ReplyFramer();
  private parts: Buffer[] = [];
  private waiting: ((reply: Buffer) => void) | undefined;

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('error', () => undefined); // a dead connection fails the awaited reply below
    this.sock.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      for (let ev = this.framer.next(); ev; ev = this.framer.next()) {
        if (ev.kind === 'error') throw new Error(ev.message);
        this.parts.push(ev.bytes);
        if (ev.last) {
          const reply = this.parts.length === 1 ? ev.bytes : Buffer.concat(this.parts);
          this.parts = [];
          const w = this.waiting;
          this.waiting = undefined;
          w?.(reply);
        }
      }
    });
  }

  async connected(): Promise<void> {
    if (this.sock.connecting) await once(this.sock, 'connect');
  }

  /** Sends one request and resolves with its reply frame. */
  call(request: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.sock.destroyed) {
        reject(new Error('connection closed'));
        return;
      }
      this.waiting = resolve;
      this.sock.write(request);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/**
 * SET k i, wait for +OK, then GET k on the same connection, counting GETs that return older
 * data: the write is done when the GET leaves, the replicas may not have it yet. A writer
 * streams 8 KiB values to the master meanwhile, so the replicas trail by a realistic margin.
 */
async function setThenGet(amb: Ambassador, ns: string): Promise<number> {
  const r = new RoundTrip(amb.address.port);
  const noise = new Redis({ port: set.master.port, host: '127.0.0.1' });
  const state = { done: false };
  const big = 'n'.repeat(8 * 1024);
  const noiseLoop = (async () => {
    while (!state.done) {
      const p = noise.pipeline();
      for (let k = 0; k < 4; k++) p.set(`noise:${k}`, big);
      await p.exec();
    }
  })();
  try {
    await r.connected();
    let stale = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const key = `${ns}:${i % 16}`;
      const value = String(i);
      const ok = await r.call(encodeCommand(['SET', key, value]));
      assert.equal(ok.toString('latin1'), '+OK\r\n');
      const got = await r.call(encodeCommand(['GET', key]));
      if (got.toString('latin1') !== `$${value.length}\r\n${value}\r\n`) stale++;
    }
    return stale;
  } finally {
    state.done = true;
    await noiseLoop;
    noise.disconnect();
    r.close();
  }
}

test(`read-your-writes on: ${ITERATIONS} SET-then-GET iterations, 0 stale reads`, async (t) => {
  const metrics = new RouteCounter();
  const amb = await start(true, metrics);
  t.after(() => amb.close());
  const stale = await setThenGet(amb, 'ryw-on');
  t.diagnostic(
    `stale reads with read-your-writes on: ${stale}; GETs on replicas ${metrics.routes.get('replica') ?? 0}, on master ${metrics.routes.get('master') ?? 0} (SETs included)`,
  );
  assert.equal(stale, 0);
});

test(`read-your-writes off: the stale count of the same loop is reported`, async (t) => {
  const amb = await start(false);
  t.after(() => amb.close());
  const stale = await setThenGet(amb, 'ryw-off');
  t.diagnostic(`stale reads with read-your-writes off: ${stale} of ${ITERATIONS}`);
  // Nothing to assert about the count itself (it depends on replication timing); the loop
  // above shows the ambassador sends these reads to replicas, so staleness is possible.
  assert.ok(stale >= 0);
});

test('read-your-writes under a mixed load: own writes always seen, reads still reach replicas', async (t) => {
  const metrics = new RouteCounter();
  const amb = await start(true, metrics);
  t.after(() => amb.close());
  const seed = new Redis({ port: set.master.port, host: '127.0.0.1' });
  t.after(() => {
    seed.disconnect();
  });
  for (let i = 0; i < 200; i++) await seed.set(`shared:${i}`, `s${i}`);
  await seed.wait(2, 5000);

  const clients = Array.from(
    { length: 8 },
    () => new Redis({ port: amb.address.port, host: '127.0.0.1', maxRetriesPerRequest: 0 }),
  );
  t.after(() => {
    for (const c of clients) c.disconnect();
  });
  const before = new Map(metrics.routes);
  let stale = 0;
  let gets = 0;
  await Promise.all(
    clients.map(async (c, ci) => {
      let last = -1;
      for (let i = 0; i < 2000; i++) {
        const roll = (i * 37 + ci * 11) % 100;
        if (roll < 10) {
          // 10 % writes of the client's own key.
          last = i;
          await c.set(`own:${ci}`, String(i));
        } else if (roll < 20 && last >= 0) {
          // 10 % reads of the client's own key: must see its last write.
          gets++;
          if ((await c.get(`own:${ci}`)) !== String(last)) stale++;
        } else {
          gets++;
          assert.equal(await c.get(`shared:${roll}`), `s${roll}`);
        }
      }
    }),
  );
  const delta = (r: RouteLabel): number => (metrics.routes.get(r) ?? 0) - (before.get(r) ?? 0);
  const onReplicas = delta('replica');
  // Master-routed commands include the SETs; reads on the master are the rest.
  const readsOnMaster = gets - onReplicas;
  const share = onReplicas / gets;
  t.diagnostic(
    `mixed load (8 clients, 10 % writes): ${gets} reads, ${onReplicas} on replicas (${(share * 100).toFixed(1)} %), ${readsOnMaster} on the master; stale own reads ${stale}`,
  );
  assert.equal(stale, 0);
  assert.ok(onReplicas > 0, 'read-your-writes must not send every read to the master');
});
