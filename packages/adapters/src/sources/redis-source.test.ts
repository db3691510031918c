import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { encodeText } from '../exposition/encode.js';
import { MetricSet } from '../exposition/metric-set.js';
import { runCommand } from '@podkit/kit';
import { samples, types } from '../../test/samples.js';
import { startRedis } from '../../test/servers.js';
import { parseRedisTarget, readReply } from './redis-client.js';
import { parseInfo, RedisSource } from './redis-source.js';

const cli = async (port: number, ...args: string[]): Promise<void> => {
  await runCommand('redis-cli', ['-p', String(port), ...args], {
    env: { PATH: process.env['PATH'] },
  });
};

describe('RedisSource (real redis-server)', () => {
  it('maps INFO ALL to redis_exporter names, types and values', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    await cli(redis.port, 'set', 'a', '1');
    await cli(redis.port, 'set', 'b', '2', 'EX', '100');
    await cli(redis.port, 'get', 'a');
    await cli(redis.port, 'get', 'missing');
    await cli(redis.port, 'hget', 'a', 'x'); // WRONGTYPE → errorstat
    const set = new MetricSet();
    await new RedisSource().collect(set, `127.0.0.1:${redis.port}`, AbortSignal.timeout(5000));
    assert.deepEqual(set.dropped, []);
    const body = encodeText(set.families());
    const s = samples(body);
    const ty = types(body);
    assert.equal(s.get('redis_db_keys{db="db0"}'), 2);
    assert.equal(s.get('redis_db_keys_expiring{db="db0"}'), 1);
    assert.equal(s.get('redis_keyspace_hits_total'), 2); // get a, hget a
    assert.equal(s.get('redis_keyspace_misses_total'), 1);
    assert.equal(s.get('redis_commands_total{cmd="set"}'), 2);
    assert.equal(s.get('redis_commands_total{cmd="get"}'), 2);
    assert.equal(s.get('redis_errors_total{err="WRONGTYPE"}'), 1);
    assert.equal(s.get('redis_memory_max_bytes'), 0);
    assert.ok((s.get('redis_memory_used_bytes') ?? 0) > 0);
    assert.ok((s.get('redis_commands_duration_seconds_total{cmd="set"}') ?? 0) < 1);
    assert.equal(ty.get('redis_commands_processed_total'), 'counter');
    assert.equal(ty.get('redis_connected_clients'), 'gauge');
    assert.equal(ty.get('redis_db_keys'), 'gauge');
    const info = [...s.keys()].find((k) => k.startsWith('redis_instance_info{'));
    assert.ok(info?.includes('role="master"') === true, info);
    assert.match(info, /redis_version="\d+\.\d+\.\d+"/);
    assert.match(info, new RegExp(`tcp_port="${redis.port}"`));
    const promtool = await runCommand('promtool', ['check', 'metrics'], {
      env: { PATH: process.env['PATH'] },
      input: body,
      allowFailure: true,
    });
    // promtool parses it (exit 1 would be a format error); its only lint remarks are about
    // names redis_exporter itself uses (counters without _total, `_sec`), kept for compatibility.
    const remarks = (promtool.stdout + promtool.stderr).trim().split('\n').filter(Boolean);
    assert.ok(promtool.code === 0 || promtool.code === 3, promtool.stderr);
    for (const r of remarks) {
      assert.match(
        r,
        /^redis_\w+ (counter metrics should have "_total" suffix|non-counter metrics should not have "_total" suffix|metric names should not contain abbreviated units)$/,
      );
    }
  });

  it('authenticates with a password read from a file, never shown in errors', async (t) => {
    const redis = await startRedis(['--requirepass', 's3cret-pw']);
    t.after(() => redis.stop());
    const file = join(redis.dir, 'password');
    await writeFile(file, 's3cret-pw\n');
    const set = new MetricSet();
    await new RedisSource({ passwordFile: file }).collect(
      set,
      `127.0.0.1:${redis.port}`,
      AbortSignal.timeout(5000),
    );
    assert.ok(set.families().some((f) => f.name === 'redis_connected_clients'));
    for (const f of set.families()) {
      for (const p of f.points)
        assert.ok(!Object.values(p.labels).some((v) => v.includes('s3cret')));
    }
    await writeFile(file, 'wrong-pw\n');
    await assert.rejects(
      new RedisSource({ passwordFile: file }).collect(
        new MetricSet(),
        `127.0.0.1:${redis.port}`,
        AbortSignal.timeout(5000),
      ),
      (err: unknown) =>
        isPodkitError(err, 'ADAPTER_UPSTREAM') &&
        !err.message.includes('wrong-pw') &&
        /WRONGPASS|invalid/i.test(err.message),
    );
    await assert.rejects(
      new RedisSource().collect(
        new MetricSet(),
        `127.0.0.1:${redis.port}`,
        AbortSignal.timeout(5000),
      ),
      (err: unknown) => isPodkitError(err, 'ADAPTER_UPSTREAM') && /NOAUTH/.test(err.message),
    );
  });
});

describe('redis client pieces', () => {
  it('readReply handles a reply split at every byte', () => {
    const wire = Buffer.from('+OK\r\n$12\r\nhello\r\nworld\r\n');
    for (let cut = 0; cut <= wire.length; cut++) {
      const first = readReply(wire.subarray(0, cut), 0);
      if (cut < 5) assert.equal(first, undefined);
    }
    const a = readReply(wire, 0);
    assert.deepEqual(a?.reply, { kind: 'ok', text: 'OK' });
    const b = readReply(wire, a.next);
    assert.equal(b?.reply.kind === 'bulk' ? b.reply.data?.toString() : '', 'hello\r\nworld');
    assert.equal(readReply(wire.subarray(0, wire.length - 1), a.next), undefined);
  });

  it('parses targets and refuses credentials in them', () => {
    assert.deepEqual(parseRedisTarget('127.0.0.1:6380'), { host: '127.0.0.1', port: 6380 });
    assert.deepEqual(parseRedisTarget('redis://db:6379'), { host: 'db', port: 6379 });
    assert.deepEqual(parseRedisTarget('[::1]:7000'), { host: '::1', port: 7000 });
    assert.deepEqual(parseRedisTarget('cache'), { host: 'cache', port: 6379 });
    assert.throws(
      () => parseRedisTarget('redis://:pw@db:6379'),
      (e: unknown) => isPodkitError(e, 'ADAPTER_CONFIG') && !e.message.includes('pw'),
    );
    assert.throws(
      () => parseRedisTarget('db:99999'),
      (e: unknown) => isPodkitError(e, 'ADAPTER_CONFIG'),
    );
  });

  it('parseInfo reads key:value lines and skips sections', () => {
    const info = parseInfo(
      '# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=5\r\n',
    );
    assert.equal(info.get('redis_version'), '7.0.15');
    assert.equal(info.get('db0'), 'keys=2,expires=1,avg_ttl=5');
    assert.equal(info.size, 2);
  });
});
