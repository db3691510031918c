import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { isPodkitError } from '@podkit/kit';
import { samples, types } from '../../test/samples.js';
import { encodeText } from '../exposition/encode.js';
import { familiesFromRegistry } from '../exposition/from-prom-client.js';
import { MetricSet } from '../exposition/metric-set.js';
import { parseStatsdLine } from './statsd-line.js';
import { StatsdMapper } from './statsd-mapping.js';
import { startStatsdServer } from './statsd-server.js';
import { StatsdStore } from './statsd-store.js';

const mapper = new StatsdMapper(
  parse(`
defaults: { observer_type: histogram, buckets: [0.1, 0.5, 1] }
mappings:
  - match: "api.*.requests"
    name: api_requests_total
    labels: { service: "$1" }
  - match: '^db\\.(\\w+)\\.query_time$'
    match_type: regex
    name: db_query_seconds
    labels: { db: "$1" }
    observer_type: summary
    quantiles: [0.5]
  - match: "debug.*"
    action: drop
`) as unknown,
);

async function body(store: StatsdStore): Promise<string> {
  const set = new MetricSet();
  for (const f of await familiesFromRegistry(store.registry)) set.addFamily(f);
  return encodeText(set.families());
}

describe('StatsD', () => {
  it('parses lines: counters with rates, gauges (relative), timers in seconds, DogStatsD tags', () => {
    assert.deepEqual(parseStatsdLine('hits:3|c|@0.5'), {
      ok: true,
      event: { name: 'hits', type: 'counter', value: 6, relative: false, unit: 'c', tags: {} },
    });
    const t = parseStatsdLine('api.latency:320|ms|#env:prod,region:eu');
    assert.ok(t.ok);
    assert.equal(t.event.value, 0.32);
    assert.deepEqual(t.event.tags, { env: 'prod', region: 'eu' });
    const g = parseStatsdLine('temp:-2|g');
    assert.ok(g.ok && g.event.relative);
    for (const bad of ['nocolon', 'x:abc|c', 'x:1|s', 'x:1|c|@2', 'x:1|c|#novalue', 'x:1']) {
      assert.equal(parseStatsdLine(bad).ok, false, bad);
    }
  });

  it('receives over UDP and TCP, maps with globs and regexes, counts refusals', async (t) => {
    const outcomes: string[] = [];
    const store = new StatsdStore(mapper, (o) => outcomes.push(o));
    const server = await startStatsdServer(store, { host: '127.0.0.1', udpPort: 0, tcpPort: 0 });
    t.after(() => server.close());

    const udp = createSocket('udp4');
    t.after(() => {
      udp.close();
    });
    const send = (msg: string): Promise<void> =>
      new Promise((resolve, reject) => {
        udp.send(msg, server.udp.port, '127.0.0.1', (err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    await send('api.users.requests:1|c\napi.users.requests:2|c\napi.orders.requests:5|c');
    await send('db.main.query_time:250|ms');
    await send('page.load:1500|ms|#browser:firefox');
    await send('debug.noise:1|c');
    await send('queue.size:10|g\nqueue.size:-3|g');

    const tcp = connect({ host: '127.0.0.1', port: server.tcp.port });
    await new Promise<void>((resolve) => tcp.once('connect', resolve));
    // Split mid-line: the TCP reader must join the halves.
    tcp.write('api.users.requ');
    await sleep(20);
    tcp.write('ests:4|c\nbad line\nqueue_size:1|c\n');
    tcp.end();
    await new Promise<void>((resolve) =>
      tcp.once('close', () => {
        resolve();
      }),
    );

    // UDP is unordered/unacknowledged: wait until every datagram was handled.
    for (let i = 0; i < 200 && outcomes.length < 11; i++) await sleep(10);
    const text = await body(store);
    const s = samples(text);
    assert.equal(s.get('api_requests_total{service="users"}'), 7);
    assert.equal(s.get('api_requests_total{service="orders"}'), 5);
    assert.equal(s.get('queue_size'), 7);
    assert.equal(s.get('db_query_seconds{db="main",quantile="0.5"}'), 0.25);
    assert.equal(s.get('page_load_bucket{browser="firefox",le="1"}'), 0);
    assert.equal(s.get('page_load_bucket{browser="firefox",le="+Inf"}'), 1);
    assert.equal(s.get('page_load_sum{browser="firefox"}'), 1.5);
    assert.equal(types(text).get('db_query_seconds'), 'summary');
    assert.ok(![...s.keys()].some((k) => k.startsWith('debug')));
    // queue_size as a counter collides with the gauge queue_size: refused, gauge intact.
    assert.deepEqual(outcomes.filter((o) => o !== 'accepted').sort(), [
      'collision',
      'dropped_by_mapping',
      'parse_error',
    ]);
  });

  it('refuses suffix collisions and label-set changes without breaking the rest', async () => {
    const outcomes: string[] = [];
    const store = new StatsdStore(
      new StatsdMapper({ defaults: { observer_type: 'histogram' } }),
      (o) => outcomes.push(o),
    );
    store.ingest(
      'rt:5|ms\nrt_count:1|c\nrt_bucket:1|g\nhits:1|c|#a:1\nhits:1|c|#b:2\nhits:1|c|#a:2\nneg:-1|c',
    );
    assert.deepEqual(outcomes, [
      'accepted',
      'collision',
      'collision',
      'accepted',
      'invalid_label',
      'accepted',
      'invalid_value',
    ]);
    const s = samples(await body(store));
    assert.equal(s.get('hits{a="1"}'), 1);
    assert.equal(s.get('hits{a="2"}'), 1);
    assert.equal(s.get('rt_count'), 1);
  });

  it('refuses bad mapping files', () => {
    assert.throws(
      () => new StatsdMapper({ mappings: [{ match: '(', match_type: 'regex', name: 'x' }] }),
      (e: unknown) => isPodkitError(e, 'ADAPTER_CONFIG'),
    );
    assert.throws(
      () => new StatsdMapper({ mappings: [{ match: 'a', name: 'x', labels: { 'a-b': '1' } }] }),
      (e: unknown) => isPodkitError(e, 'ADAPTER_CONFIG'),
    );
    assert.throws(
      () => new StatsdMapper({ mappings: [{ match: 'a', name: 'x', observer_type: 'tdigest' }] }),
      (e: unknown) => isPodkitError(e, 'ADAPTER_CONFIG'),
    );
  });
});
