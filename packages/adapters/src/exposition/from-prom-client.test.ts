import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { encodeOpenMetrics } from './encode-openmetrics.js';
import { familiesFromRegistry } from './from-prom-client.js';
import { MetricSet } from './metric-set.js';

describe('familiesFromRegistry', () => {
  it('reads counters, gauges (NaN kept), histograms and summaries', async () => {
    const registry = new Registry();
    const c = new Counter({
      name: 'jobs_total',
      help: 'Jobs.',
      labelNames: ['kind'],
      registers: [registry],
    });
    c.inc({ kind: 'a' }, 2);
    new Gauge({ name: 'temp', help: 'T.', registers: [registry] }).set(NaN);
    const h = new Histogram({
      name: 'lat_seconds',
      help: 'L.',
      buckets: [0.1, 1],
      registers: [registry],
    });
    h.observe(0.5);
    h.observe(5);
    const s = new Summary({ name: 'size', help: 'S.', percentiles: [0.5], registers: [registry] });
    s.observe(3);
    const set = new MetricSet();
    for (const f of await familiesFromRegistry(registry)) set.addFamily(f);
    assert.deepEqual(set.dropped, []);
    assert.equal(
      encodeOpenMetrics(set.families()),
      [
        '# TYPE jobs counter',
        '# HELP jobs Jobs.',
        'jobs_total{kind="a"} 2',
        '# TYPE lat_seconds histogram',
        '# HELP lat_seconds L.',
        'lat_seconds_bucket{le="0.1"} 0',
        'lat_seconds_bucket{le="1.0"} 1',
        'lat_seconds_bucket{le="+Inf"} 2',
        'lat_seconds_sum 5.5',
        'lat_seconds_count 2',
        '# TYPE size summary',
        '# HELP size S.',
        'size{quantile="0.5"} 3',
        'size_sum 3',
        'size_count 1',
        '# TYPE temp gauge',
        '# HELP temp T.',
        'temp NaN',
        '# EOF',
        '',
      ].join('\n'),
    );
  });
});
