import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { samples, types } from '../../test/samples.js';
import { encodeText } from '../exposition/encode.js';
import { MetricSet } from '../exposition/metric-set.js';
import { parseTextStrict } from '../exposition/parse-text.js';
import { PrometheusSource } from './prometheus-source.js';
import { parseRelabelRules } from './relabel.js';

const upstream = `# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{path="/api/users",pod_hash="abc"} 10
app_requests_total{path="/health",pod_hash="abc"} 99
# TYPE app_latency_seconds histogram
app_latency_seconds_bucket{le="0.1"} 1
app_latency_seconds_bucket{le="+Inf"} 3
app_latency_seconds_sum 0.9
app_latency_seconds_count 3
# TYPE go_goroutines gauge
go_goroutines 12
this line is broken
app_temp{room="a\\"b"} NaN
`;

describe('PrometheusSource', () => {
  it('reads another endpoint, renames and relabels, drops what is broken', async (t) => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(upstream);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const rules = parseRelabelRules(
      parse(`
- { source_labels: [__name__], regex: "go_.*", action: drop }
- { source_labels: [path], regex: "/health", action: drop }
- { source_labels: [__name__], regex: "app_(.*)", target_label: __name__, replacement: "shop_$1" }
- { source_labels: [path], regex: "/api/(.*)", target_label: endpoint, replacement: "$1" }
- { action: labeldrop, regex: "pod_.*|path" }
`),
    );
    const set = new MetricSet();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    await new PrometheusSource({ rules }).collect(set, url, AbortSignal.timeout(5000));
    const text = encodeText(set.families());
    assert.deepEqual(Object.fromEntries(samples(text)), {
      'shop_latency_seconds_bucket{le="0.1"}': 1,
      'shop_latency_seconds_bucket{le="+Inf"}': 3,
      shop_latency_seconds_count: 3,
      shop_latency_seconds_sum: 0.9,
      'shop_requests_total{endpoint="users"}': 10,
      'shop_temp{room="a"b"}': NaN, // unescaped by the helper
    });
    assert.equal(types(text).get('shop_requests_total'), 'counter');
    assert.equal(types(text).get('shop_latency_seconds'), 'histogram');
    assert.equal(set.dropped.length, 1);
  });

  it('parseText round-trips the golden exposition', async () => {
    const { readFileSync } = await import('node:fs');
    const golden = readFileSync(
      new URL('../../test/golden/exposition.prom', import.meta.url),
      'utf8',
    );
    const set = new MetricSet();
    for (const f of parseTextStrict(golden)) set.addFamily(f);
    assert.equal(encodeText(set.families()), golden);
  });
});
