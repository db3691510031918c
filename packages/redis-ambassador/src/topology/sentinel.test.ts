import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createAmbassador } from '../router/ambassador.js';
import type { TopologyMetrics } from '../metrics.js';
import {
  command,
  commandRetrying,
  monitorNode,
  startRedis,
  startReplicaSet,
  startSentinels,
  startWriter,
  waitReplicated,
  type RedisServer,
} from '../../test/redis-servers.js';
import { replyText } from '../resp/decode.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const DOWN_AFTER = 2000;

test('discovery: replicas found in the master INFO replication get the reads', async (t) => {
  const set = await startReplicaSet(2);
  t.after(() => set.stop());
  const amb = await createAmbassador({
    listen: '127.0.0.1:0',
    master: `127.0.0.1:${set.master.port}`,
    readYourWrites: false,
  });
  t.after(() => amb.close());
  assert.deepEqual(
    amb.topology.replicas.map((r) => r.endpoint.port).sort(),
    set.replicas.map((r) => r.port).sort(),
  );
  for (let i = 0; i < 100 && !amb.topology.replicas.every((r) => r.isUp()); i++) await sleep(20);
  const c = new Redis({ port: amb.address.port, host: '127.0.0.1' });
  t.after(() => {
    c.disconnect();
  });
  await command(set.master.port, ['SET', 'disc', '1']);
  await waitReplicated(set.master.port, 2, 2000);
  for (let i = 0; i < 20; i++) assert.equal(await c.get('disc'), '1');
  for (const r of set.replicas) {
    const stats = replyText(await command(r.port, ['INFO', 'commandstats']));
    assert.match(stats, /cmdstat_get:calls=\d+/);
  }
});

/**
 * A master, two replicas and three Sentinels watching them (down-after 2000 ms); `extra`
 * takes servers the test starts later. All are removed after the test.
 */
async function sentinelSet(t: TestContext): Promise<{
  set: Awaited<ReturnType<typeof startReplicaSet>>;
  extra: RedisServer[];
  sentinels: RedisServer[];
}> {
  const set = await startReplicaSet(2);
  const extra: RedisServer[] = [];
  t.after(async () => {
    await Promise.all(extra.map((s) => s.stop()));
    await set.stop();
  });
  const sentinels = await startSentinels(set.master.port, 3, 2, { downAfterMs: DOWN_AFTER });
  extra.push(...sentinels);
  return { set, extra, sentinels };
}

test('Sentinel failover: master kill -9, writes resume on the promoted replica, none on the demoted one', async (t) => {
  const { set, extra, sentinels } = await sentinelSet(t);

  let failovers = 0;
  const metrics: TopologyMetrics & { command(): void; readRetried(): void; clients(): void } = {
    nodeHealth: () => undefined,
    failover: () => {
      failovers++;
    },
    command: () => undefined,
    readRetried: () => undefined,
    clients: () => undefined,
  };
  const amb = await createAmbassador({
    listen: '127.0.0.1:0',
    sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`),
    masterName: 'mymaster',
    healthIntervalMs: 200,
    healthTimeoutMs: 500,
    sentinelPollMs: 500,
    metrics,
  });
  t.after(() => amb.close());
  assert.equal(amb.topology.master.endpoint.port, set.master.port);

  const c = new Redis({
    port: amb.address.port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 0,
  });
  t.after(() => {
    c.disconnect();
  });
  const writer = startWriter(c, 5);
  const acked = writer.acked;

  await sleep(500);
  const oldPort = set.master.port;
  process.kill(set.master.pid, 'SIGKILL');
  const killedAt = Date.now();
  for (let i = 0; i < 300 && amb.topology.master.endpoint.port === oldPort; i++) await sleep(50);
  const newPort = amb.topology.master.endpoint.port;
  assert.notEqual(newPort, oldPort, 'the ambassador follows the new master');
  // Writes sent after the kill: a reply the dying master sent just before may arrive after it.
  for (let i = 0; i < 200 && !acked.some((a) => a.sent > killedAt); i++) await sleep(50);
  const firstAfter = acked.find((a) => a.sent > killedAt);
  assert.ok(firstAfter, 'writes resumed');
  t.diagnostic(
    `writes resumed ${firstAfter.at - killedAt} ms after kill -9 (down-after ${DOWN_AFTER} ms); ${writer.refusedAt.length} writes refused meanwhile`,
  );

  // The old master comes back empty on its old port, as a master, until Sentinel demotes it.
  const revived = await startRedis({ port: oldPort });
  extra.push(revived);
  // MONITOR on the revived node shows every command a client sends it (not those replicated
  // from a master): a write there is a write the ambassador sent to the demoted node.
  const monitor = monitorNode(revived.port);
  t.after(() => {
    monitor.close();
  });
  // Writes go on for 3 s while the revived node claims to be master (Sentinel demotes it
  // only after it has reported so for 8 s, later still in TILT mode on a loaded machine).
  await sleep(3000);
  await writer.stop();

  // Every write sent after the kill and acknowledged is on the new master: none went to the
  // revived node (its data is wiped when it is made a replica, so such a write would be
  // missing). One sent before could be the dying master's, not replicated in time.
  const after = acked.filter((a) => a.sent > killedAt);
  assert.ok(after.length > 50, `only ${after.length} writes after the failover`);
  const values = (await command(newPort, ['MGET', ...after.map((a) => `w:${a.i}`)])) as unknown[];
  const missing = after.filter((a, k) => values[k] !== String(a.i));
  assert.deepEqual(missing, []);
  // A probe through a connection of the test's own shows MONITOR was listening.
  await monitor.probe(['GET', 'monitor:probe']).catch(() => {
    assert.fail('MONITOR on the revived node shows nothing');
  });
  const writesSeen = monitor.lines().filter((l) => /"set" "w:/i.test(l));
  t.diagnostic(`revived old master: ${writesSeen.length} client writes seen by MONITOR`);
  assert.deepEqual(writesSeen, [], 'a write reached the demoted master');
  const role = await commandRetrying(revived.port, ['ROLE']);
  t.diagnostic(`revived old master is now: ${Array.isArray(role) ? replyText(role[0]) : '?'}`);
  assert.equal(failovers, 1);
});

/** One client's GET/SET mix through the ambassador: reads and writes counted apart. */
interface LoadClient {
  reads: number;
  readErrors: string[];
  writes: number;
  writeErrors: number;
  stop(): Promise<void>;
}

/**
 * Lets timers and I/O run: a client whose connection is gone rejects at once, and a loop of
 * immediate rejections would otherwise hold the event loop (and the test's cleanup) for good.
 */
const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Three GETs to one SET on keys of its own, one request at a time, until stopped. */
function startLoad(c: Redis, id: number): LoadClient {
  const run = { on: true };
  const state: LoadClient = {
    reads: 0,
    readErrors: [],
    writes: 0,
    writeErrors: 0,
    stop: async () => {
      run.on = false;
      await loop;
    },
  };
  const loop = (async () => {
    for (let i = 0; run.on; i++) {
      const key = `load:${id}:${i % 100}`;
      if (i % 4 === 0) {
        try {
          await c.set(key, String(i));
          state.writes++;
        } catch {
          state.writeErrors++;
          await yieldTurn();
        }
      } else {
        try {
          await c.get(key);
          state.reads++;
        } catch (err) {
          state.readErrors.push(err instanceof Error ? err.message : String(err));
          await yieldTurn();
        }
      }
    }
  })();
  return state;
}

test('Sentinel failover under GET/SET load (read-your-writes off): no read fails, writes resume, none on the demoted master', async (t) => {
  const { set, extra, sentinels } = await sentinelSet(t);
  const amb = await createAmbassador({
    listen: '127.0.0.1:0',
    sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`),
    masterName: 'mymaster',
    readYourWrites: false,
    healthIntervalMs: 200,
    healthTimeoutMs: 500,
    sentinelPollMs: 500,
  });
  t.after(() => amb.close());
  for (let i = 0; !amb.topology.replicas.every((r) => r.isUp()); i++) {
    if (i > 1200) assert.fail('replicas not healthy after 30 s');
    await sleep(25);
  }

  const clients: Redis[] = [];
  const connect = (): Redis => {
    const c = new Redis({ port: amb.address.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  t.after(() => {
    for (const c of clients) c.disconnect();
  });
  const load = Array.from({ length: 6 }, (_, id) => startLoad(connect(), id));
  const writer = startWriter(connect(), 5);
  const stopAll = async (): Promise<void> => {
    await Promise.all([...load.map((l) => l.stop()), writer.stop()]);
  };
  t.after(stopAll);
  const reads = (): number => load.reduce((n, l) => n + l.reads, 0);
  while (reads() < 2000) await sleep(20);

  const oldPort = set.master.port;
  process.kill(set.master.pid, 'SIGKILL');
  const killedAt = Date.now();
  const readsAtKill = reads();
  while (amb.topology.master.endpoint.port === oldPort) {
    if (Date.now() - killedAt > 60_000) assert.fail('the ambassador did not follow the failover');
    await sleep(20);
  }
  const readsDuringOutage = reads() - readsAtKill;
  const newPort = amb.topology.master.endpoint.port;
  while (!writer.acked.some((a) => a.sent > killedAt)) await sleep(20);
  const firstAfter = writer.acked.find((a) => a.sent > killedAt);

  // The old master comes back empty on its old port, claiming to be master, until Sentinel
  // makes it a replica of the new one; the load goes on until then. MONITOR shows what
  // clients send it; writes replicated from the new master carry the new master's address.
  const revived = await startRedis({ port: oldPort });
  extra.push(revived);
  const monitor = monitorNode(revived.port);
  t.after(() => {
    monitor.close();
  });
  await monitor.probe(['GET', 'monitor:probe']);
  for (;;) {
    const role = await commandRetrying(revived.port, ['ROLE']);
    if (Array.isArray(role) && role[0] === 'slave') break;
    await sleep(100);
  }
  await stopAll();

  const failedReads = load.flatMap((l) => l.readErrors);
  const writeErrors = load.reduce((n, l) => n + l.writeErrors, 0);
  t.diagnostic(
    `reads: ${reads()} ok (${readsDuringOutage} between kill -9 and the switch), ${failedReads.length} failed; ` +
      `load writes: ${load.reduce((n, l) => n + l.writes, 0)} ok, ${writeErrors} refused; ` +
      `writes resumed ${String((firstAfter?.at ?? NaN) - killedAt)} ms after the kill (down-after ${DOWN_AFTER} ms)`,
  );
  assert.deepEqual(failedReads.slice(0, 5), [], `${failedReads.length} reads failed`);
  assert.ok(readsDuringOutage > 0, 'no read was served while the master was down');
  const clientWrites = monitor
    .lines()
    .filter((l) => /"set"/i.test(l) && !l.includes(`127.0.0.1:${newPort}]`));
  t.diagnostic(`revived old master: ${clientWrites.length} client writes seen by MONITOR`);
  assert.deepEqual(clientWrites, [], 'a write reached the demoted master');
  const after = writer.acked.filter((a) => a.sent > killedAt);
  const values = (await command(newPort, ['MGET', ...after.map((a) => `w:${a.i}`)])) as unknown[];
  assert.deepEqual(
    after.filter((a, k) => values[k] !== String(a.i)),
    [],
  );
});
