import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { samples } from '../../test/samples.js';
import { startRedis } from '../../test/servers.js';
import { RedisSource } from '../sources/redis-source.js';
import { StatsdMapper } from '../statsd/statsd-mapping.js';
import { StatsdStore } from '../statsd/statsd-store.js';
import { startMetricsServer } from './metrics-server.js';

const PROMETHEUS_2_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('metrics server', () => {
  it('single target: fresh values, up 0 and no stale values once the upstream is gone', async (t) => {
    const redis = await startRedis();
    let stopped = false;
    t.after(async () => {
      if (!stopped) await redis.stop();
    });
    const store = new StatsdStore(new StatsdMapper());
    store.ingest('jobs:3|c');
    const server = await startMetricsServer({
      port: 0,
      source: new RedisSource(),
      target: `127.0.0.1:${redis.port}`,
      timeoutMs: 2000,
      registries: [store.registry],
    });
    t.after(() => server.close());

    const first = await fetch(`${server.url}/metrics`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const s1 = samples(await first.text());
    assert.equal(s1.get('redis_up'), 1);
    assert.ok(s1.has('redis_connected_clients'));
    assert.equal(s1.get('jobs'), 3);
    assert.equal(s1.get('podkit_adapter_scrapes_total{result="success"}'), 1);

    await redis.stop();
    stopped = true;
    const second = await fetch(`${server.url}/metrics`);
    assert.equal(second.status, 200);
    const s2 = samples(await second.text());
    assert.equal(s2.get('redis_up'), 0);
    assert.ok(![...s2.keys()].some((k) => k.startsWith('redis_') && k !== 'redis_up'));
    assert.equal(s2.get('jobs'), 3);
    assert.equal(s2.get('podkit_adapter_scrapes_total{result="failure"}'), 1);
  });

  it('negotiates OpenMetrics for Prometheus 2 and ends with # EOF', async (t) => {
    const store = new StatsdStore(new StatsdMapper());
    store.ingest('jobs_total:3|c');
    const server = await startMetricsServer({ port: 0, registries: [store.registry] });
    t.after(() => server.close());
    const res = await fetch(`${server.url}/metrics`, { headers: { accept: PROMETHEUS_2_ACCEPT } });
    assert.equal(
      res.headers.get('content-type'),
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    const text = await res.text();
    assert.ok(text.endsWith('# EOF\n'));
    assert.match(text, /^# TYPE jobs counter\n/m);
    assert.match(text, /^jobs_total 3$/m);
    const plain = await startMetricsServer({
      port: 0,
      registries: [store.registry],
      openMetrics: false,
    });
    t.after(() => plain.close());
    const r2 = await fetch(`${plain.url}/metrics`, { headers: { accept: PROMETHEUS_2_ACCEPT } });
    assert.equal(r2.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    await r2.text();
  });

  it('multi-target: 400 without a target, bounded timeout with up 0 for a silent upstream', async (t) => {
    // A "Redis" that accepts connections and never answers.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;
    const server = await startMetricsServer({
      port: 0,
      source: new RedisSource(),
      multiTarget: true,
      timeoutMs: 300,
    });
    t.after(() => server.close());

    const missing = await fetch(`${server.url}/scrape`);
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /target/);
    const empty = await fetch(`${server.url}/scrape?target=`);
    assert.equal(empty.status, 400);
    await empty.text();

    const res = await fetch(`${server.url}/scrape?target=127.0.0.1:${port}`);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.fromEntries(samples(await res.text())), { redis_up: 0 });

    const closed = await fetch(`${server.url}/scrape?target=127.0.0.1:1`);
    assert.deepEqual(Object.fromEntries(samples(await closed.text())), { redis_up: 0 });

    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
    assert.equal(await (await fetch(`${server.url}/healthz`)).text(), 'ok\n');
  });

  it('/scrape is 404 when multi-target mode is off', async (t) => {
    const server = await startMetricsServer({
      port: 0,
      source: new RedisSource(),
      target: '127.0.0.1:1',
    });
    t.after(() => server.close());
    assert.equal((await fetch(`${server.url}/scrape?target=x:1`)).status, 404);
  });
});
