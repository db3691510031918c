import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricSet } from './metric-set.js';
import { encodeText } from './encode.js';

describe('MetricSet', () => {
  it('refuses name/suffix collisions at registration, keeping the first family', () => {
    const set = new MetricSet();
    assert.ok(set.counter('foo_total', 'a counter', {}, 1));
    assert.equal(set.gauge('foo', 'same OpenMetrics family', {}, 2), false);
    assert.equal(set.gauge('foo_created', '', {}, 2), false);
    assert.ok(set.histogram('lat', '', {}, { buckets: [{ le: 1, count: 1 }], sum: 1, count: 1 }));
    assert.equal(set.gauge('lat_bucket', '', {}, 1), false);
    assert.equal(set.gauge('lat_count', '', {}, 1), false);
    assert.equal(set.counter('lat', '', {}, 1), false);
    assert.ok(set.summary('rpc', '', {}, { quantiles: [], sum: 0, count: 0 }));
    assert.equal(set.gauge('rpc_sum', '', {}, 1), false);
    assert.deepEqual(
      set.dropped.map((d) => [d.reason, d.metric]),
      [
        ['collision', 'foo'],
        ['collision', 'foo_created'],
        ['collision', 'lat_bucket'],
        ['collision', 'lat_count'],
        ['collision', 'lat'],
        ['collision', 'rpc_sum'],
      ],
    );
    assert.deepEqual(
      set.families().map((f) => f.name),
      ['foo_total', 'lat', 'rpc'],
    );
  });

  it('refuses a type change for the same name', () => {
    const set = new MetricSet();
    set.gauge('x', '', { a: '1' }, 1);
    assert.equal(set.untyped('x', '', { a: '2' }, 1), false);
    assert.equal(set.dropped[0]?.reason, 'collision');
  });

  it('validates metric and label names', () => {
    const set = new MetricSet();
    assert.equal(set.gauge('1abc', '', {}, 1), false);
    assert.equal(set.gauge('a-b', '', {}, 1), false);
    assert.equal(set.gauge('ok', '', { 'bad-label': 'x' }, 1), false);
    assert.equal(set.gauge('ok', '', { __reserved: 'x' }, 1), false);
    assert.equal(set.histogram('h', '', { le: '1' }, { buckets: [], sum: 0, count: 0 }), false);
    assert.equal(
      set.summary('s', '', { quantile: '1' }, { quantiles: [], sum: 0, count: 0 }),
      false,
    );
    assert.ok(set.gauge('ns:sub_metric', '', { _ok: 'x' }, 1));
    assert.deepEqual(
      set.dropped.map((d) => d.reason),
      [
        'invalid_name',
        'invalid_name',
        'invalid_label',
        'invalid_label',
        'invalid_label',
        'invalid_label',
      ],
    );
  });

  it('drops duplicate series and impossible values, keeping the rest', () => {
    const set = new MetricSet();
    set.gauge('g', '', { a: '1', b: '2' }, 1);
    assert.equal(set.gauge('g', '', { b: '2', a: '1' }, 5), false);
    assert.equal(set.counter('c_total', '', {}, -1), false);
    assert.equal(set.counter('c_total', '', { x: 'y' }, NaN), false);
    const bad = { sum: 1, count: 3 };
    assert.equal(
      set.histogram(
        'h',
        '',
        {},
        {
          buckets: [
            { le: 2, count: 2 },
            { le: 1, count: 2 },
          ],
          ...bad,
        },
      ),
      false,
    );
    assert.equal(
      set.histogram(
        'h',
        '',
        { k: 'v' },
        {
          buckets: [
            { le: 1, count: 2 },
            { le: Infinity, count: 2 },
          ],
          ...bad,
        },
      ),
      false,
    );
    assert.equal(
      set.summary('s', '', {}, { quantiles: [{ quantile: 1.5, value: 1 }], sum: 0, count: 0 }),
      false,
    );
    assert.equal(encodeText(set.families()), '# TYPE g gauge\ng{a="1",b="2"} 1\n');
    assert.deepEqual(
      set.dropped.map((d) => d.reason),
      [
        'duplicate_series',
        'invalid_value',
        'invalid_value',
        'invalid_value',
        'invalid_value',
        'invalid_value',
      ],
    );
  });

  it('adds the +Inf bucket when missing', () => {
    const set = new MetricSet();
    set.histogram('h', '', {}, { buckets: [{ le: 1, count: 1 }], sum: 3, count: 2 });
    assert.match(encodeText(set.families()), /h_bucket\{le="\+Inf"\} 2\n/);
  });

  it('declare() takes names before any series exists', () => {
    const set = new MetricSet();
    assert.ok(set.declare('x_total', 'counter', 'help'));
    assert.equal(set.declare('x', 'gauge', ''), false);
    assert.equal(encodeText(set.families()), '');
  });
});
