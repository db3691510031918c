import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runCommand } from '@podkit/kit';
import { binArgv } from '../../kit/test/bin-under-test.js';
import {
  eventually,
  prometheusApi,
  startOnFreePort,
  startPrometheus,
  startRedis,
} from './servers.js';

/*
 * The proof: Debian's real Prometheus scrapes the adapter (a real podkit-metrics-adapter
 * process) on loopback, negotiates OpenMetrics, and its HTTP API returns values that came
 * from a real redis-server through the adapter, with the right types in its metadata.
 */

describe('real Prometheus scraping the adapter', () => {
  it('targets up, queries return Redis values, metadata has the right types', async (t) => {
    const redis = await startRedis();
    t.after(() => redis.stop());
    const cli = (...args: string[]) =>
      runCommand('redis-cli', ['-p', String(redis.port), ...args], {
        env: { PATH: process.env['PATH'] },
      });
    for (let i = 0; i < 5; i++) await cli('set', `key:${i}`, String(i));
    await cli('get', 'key:1');

    const adapter = await startOnFreePort('adapter', (port) =>
      Promise.resolve({
        // tsx is resolved from the working directory: run from the package.
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        cmd: process.execPath,
        args: [
          ...binArgv('adapters', 'metrics-main', 'podkit-metrics-adapter'),
          '--source',
          'redis',
          '--target',
          `127.0.0.1:${redis.port}`,
          '--multi-target',
          '--http-bind',
          `127.0.0.1:${port}`,
          '--log-level',
          'warn',
        ],
      }),
    );
    t.after(() => adapter.stop());

    const prometheus = await startPrometheus(
      'prometheus',
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s }',
        'scrape_configs:',
        '  - job_name: redis-adapter',
        `    static_configs: [{ targets: ["127.0.0.1:${adapter.port}"] }]`,
        '  - job_name: redis-multi',
        '    metrics_path: /scrape',
        `    static_configs: [{ targets: ["127.0.0.1:${redis.port}"] }]`,
        '    relabel_configs:',
        '      - { source_labels: [__address__], target_label: __param_target }',
        '      - { source_labels: [__param_target], target_label: instance }',
        `      - { target_label: __address__, replacement: "127.0.0.1:${adapter.port}" }`,
        '',
      ].join('\n'),
    );
    t.after(() => prometheus.stop());
    const base = `http://127.0.0.1:${prometheus.port}`;

    type Targets = {
      activeTargets: { labels: Record<string, string>; health: string; lastError: string }[];
    };
    const targets = await eventually('both targets up', async () => {
      const d = await prometheusApi<Targets>(base, '/api/v1/targets');
      return d.activeTargets.length === 2 && d.activeTargets.every((x) => x.health === 'up')
        ? d
        : undefined;
    });
    for (const x of targets.activeTargets) assert.equal(x.lastError, '');

    type Vector = {
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    };
    const query = async (q: string): Promise<Vector['result']> =>
      (await prometheusApi<Vector>(base, `/api/v1/query?query=${encodeURIComponent(q)}`)).result;

    const keys = await eventually('redis_db_keys', async () => {
      const r = await query('redis_db_keys{db="db0"}');
      return r.length === 2 ? r : undefined;
    });
    for (const series of keys) assert.equal(series.value[1], '5'); // both jobs, same Redis
    const hits = await query('redis_keyspace_hits_total{job="redis-adapter"}');
    assert.equal(hits[0]?.value[1], '1');
    const up = await query('redis_up');
    assert.deepEqual(
      up.map((s) => s.value[1]),
      ['1', '1'],
    );
    const info = await query('redis_instance_info{job="redis-adapter"}');
    assert.equal(info[0]?.metric['role'], 'master');

    type Metadata = Record<string, { type: string; help: string }[]>;
    const meta = await prometheusApi<Metadata>(base, '/api/v1/metadata');
    assert.equal(meta['redis_db_keys']?.[0]?.type, 'gauge');
    // OpenMetrics was negotiated: counters are families without _total.
    assert.equal(meta['redis_keyspace_hits']?.[0]?.type, 'counter');
    assert.equal(meta['podkit_adapter_scrape_duration_seconds']?.[0]?.type, 'histogram');
  });
});
