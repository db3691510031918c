import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createAmbassador } from '../router/ambassador.js';
import type { TopologyMetrics } from '../metrics.js';
import {
  command,
  monitorNode,
  startRedis,
  startReplicaSet,
  startSentinel,
  startWriter,
  type RedisServer,
} from '../../test/redis-servers.js';
import { flatMap } from './replication-info.js';
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
  await command(set.master.port, ['WAIT', '2', '2000']);
  for (let i = 0; i < 20; i++) assert.equal(await c.get('disc'), '1');
  for (const r of set.replicas) {
    const stats = replyText(await command(r.port, ['INFO', 'commandstats']));
    assert.match(stats, /cmdstat_get:calls=\d+/);
  }
});

test('Sentinel failover: master kill -9, writes resume on the promoted replica, none on the demoted one', async (t) => {
  const set = await startReplicaSet(2);
  const extra: RedisServer[] = [];
  t.after(async () => {
    await Promise.all(extra.map((s) => s.stop()));
    await set.stop();
  });
  const sentinels: RedisServer[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startSentinel(set.master.port, { downAfterMs: DOWN_AFTER });
    extra.push(s);
    sentinels.push(s);
  }
  // Wait until every Sentinel knows the other two and both replicas (quorum needs them).
  for (let i = 0; ; i++) {
    const views = await Promise.all(
      sentinels.map(async (s) =>
        flatMap(await command(s.port, ['SENTINEL', 'master', 'mymaster'])),
      ),
    );
    if (views.every((v) => v.get('num-other-sentinels') === '2' && v.get('num-slaves') === '2'))
      break;
    if (i > 300) throw new Error('sentinels did not discover each other');
    await sleep(100);
  }

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
  const role = await command(revived.port, ['ROLE']);
  t.diagnostic(`revived old master is now: ${Array.isArray(role) ? replyText(role[0]) : '?'}`);
  assert.equal(failovers, 1);
});
