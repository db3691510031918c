import { MetricSet } from '../src/exposition/metric-set.js';

/**
 * The metric set behind the golden files: escaping, NaN/±Inf, a counter with and without
 * `_total`, `_created`, a histogram, a summary, an untyped sample with a timestamp — added
 * out of order so the encoders' ordering is exercised too.
 */
export function goldenSet(): MetricSet {
  const set = new MetricSet();
  set.summary(
    'rpc_duration_seconds',
    'RPC latency.',
    { service: 'b' },
    {
      quantiles: [
        { quantile: 0.99, value: 0.25 },
        { quantile: 0.5, value: 0.05 },
      ],
      sum: 17.5,
      count: 200,
    },
  );
  set.gauge(
    'temperature_celsius',
    'Help with a \\ backslash,\na newline and "quotes".',
    {
      room: 'a "quoted" \\ back\nslash',
    },
    -3.5,
  );
  set.gauge('temperature_celsius', '', { room: 'attic' }, NaN);
  set.gauge('temperature_celsius', '', { room: 'oven' }, Infinity);
  set.gauge('temperature_celsius', '', { room: 'freezer' }, -Infinity);
  set.counter(
    'http_requests_total',
    'Requests served.',
    { code: '200', method: 'get' },
    1027,
    1700000000.5,
  );
  set.counter('http_requests_total', 'Requests served.', { method: 'post', code: '500' }, 3);
  set.counter('nginx_connections_accepted', 'Accepted client connections', {}, 42);
  set.histogram(
    'request_size_bytes',
    'Request sizes.',
    {},
    {
      buckets: [
        { le: 100, count: 2 },
        { le: 1000, count: 5 },
        { le: 0.5, count: 1 },
      ].sort((a, b) => a.le - b.le),
      sum: 2200.5,
      count: 6,
    },
  );
  set.untyped('legacy_value', 'An untyped sample.', { z: '1', a: '2' }, 1e-7, 1700000000123);
  set.gauge('big_value', 'Large and small numbers.', {}, 1.5e21);
  return set;
}
