import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCommand } from '@podkit/kit';
import { encodeText } from '../src/exposition/encode.js';
import { MetricSet } from '../src/exposition/metric-set.js';
import { NginxSource } from '../src/sources/nginx-source.js';
import { RedisSource } from '../src/sources/redis-source.js';
import { samples, types } from './samples.js';
import { startNginx, startOnFreePort, startRedis } from './servers.js';

/*
 * Differential tests: the adapter and Debian's reference exporter read the same real server;
 * every metric name the adapter emits must exist there with the same type, and the values
 * that do not move between two reads must be equal.
 */

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

describe('differential: adapter vs prometheus-redis-exporter', () => {
  it('same names, types and stable values on the same redis-server', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const cli = (...args: string[]) =>
      runCommand('redis-cli', ['-p', String(redis.port), ...args], {
        env: { PATH: process.env['PATH'] },
      });
    await cli('set', 'a', '1');
    await cli('set', 'b', '2', 'EX', '1000');
    await cli('get', 'a');
    await cli('get', 'nope');
    const exporter = await startOnFreePort('redis-exporter', (port) =>
      Promise.resolve({
        cmd: 'prometheus-redis-exporter',
        args: [
          '-redis.addr',
          `redis://127.0.0.1:${redis.port}`,
          '-web.listen-address',
          `127.0.0.1:${port}`,
        ],
      }),
    );
    t.after(() => exporter.stop());
    const theirs = await scrape(`http://127.0.0.1:${exporter.port}/metrics`);
    const set = new MetricSet();
    await new RedisSource().collect(set, `127.0.0.1:${redis.port}`, AbortSignal.timeout(5000));
    set.gauge('redis_up', '', {}, 1);
    const ours = encodeText(set.families());

    const theirTypes = types(theirs);
    for (const [name, type] of types(ours)) {
      assert.equal(
        theirTypes.get(name),
        type,
        `${name}: ours ${type}, redis_exporter ${theirTypes.get(name) ?? 'absent'}`,
      );
    }
    const a = samples(ours);
    const b = samples(theirs);
    const stable = [
      'redis_up',
      'redis_db_keys{db="db0"}',
      'redis_db_keys_expiring{db="db0"}',
      'redis_keyspace_hits_total',
      'redis_keyspace_misses_total',
      'redis_commands_total{cmd="set"}',
      'redis_commands_total{cmd="get"}',
      'redis_expired_keys_total',
      'redis_evicted_keys_total',
      'redis_memory_max_bytes',
      'redis_connected_slaves',
      'redis_rdb_changes_since_last_save',
      'redis_rdb_last_save_timestamp_seconds',
      'redis_process_id',
      'redis_aof_enabled',
    ];
    for (const k of stable) {
      assert.ok(a.has(k), `adapter lacks ${k}`);
      assert.equal(a.get(k), b.get(k), k);
    }
    const info = (m: Map<string, number>): string | undefined =>
      [...m.keys()].find((k) => k.startsWith('redis_instance_info{'));
    assert.equal(info(a), info(b));
  });
});

describe('differential: adapter vs prometheus-nginx-exporter', () => {
  it('same names and types; request counts agree', async (t) => {
    const nginx = await startNginx();
    t.after(() => nginx.stop());
    const stub = `http://127.0.0.1:${nginx.port}/stub_status`;
    const exporter = await startOnFreePort('nginx-exporter', (port) =>
      Promise.resolve({
        cmd: 'prometheus-nginx-exporter',
        args: ['-nginx.scrape-uri', stub, '-web.listen-address', `127.0.0.1:${port}`],
      }),
    );
    t.after(() => exporter.stop());
    const set = new MetricSet();
    await new NginxSource().collect(set, stub, AbortSignal.timeout(5000));
    set.gauge('nginx_up', '', {}, 1);
    const ours = encodeText(set.families());
    const theirs = await scrape(`http://127.0.0.1:${exporter.port}/metrics`);
    const nginxTypes = new Map([...types(theirs)].filter(([n]) => n.startsWith('nginx_')));
    assert.deepEqual(types(ours), nginxTypes);
    const a = samples(ours);
    const b = samples(theirs);
    // The exporter read stub_status once more (it may also have read it at start-up).
    assert.ok(
      (b.get('nginx_http_requests_total') ?? 0) > (a.get('nginx_http_requests_total') ?? 0),
    );
    for (const k of ['nginx_up', 'nginx_connections_reading']) assert.equal(a.get(k), b.get(k), k);
  });
});
