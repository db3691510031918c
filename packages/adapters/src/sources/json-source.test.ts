import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { isPodkitError } from '@podkit/kit';
import { samples } from '../../test/samples.js';
import { encodeText } from '../exposition/encode.js';
import { MetricSet } from '../exposition/metric-set.js';
import { compileJsonPath } from './jsonpath.js';
import { JsonSource, parseJsonMapping } from './json-source.js';

const mapping = parse(`
metrics:
  - name: app_queue_length
    help: Jobs waiting
    path: $.queue.length
    valuetype: gauge
    labels: { queue: "$.queue.name", env: prod }
  - name: app_worker
    type: object
    path: "{.workers[*]}"
    labels: { worker: "{.name}" }
    values: { busy: "{.busy}", jobs_total: "{.jobs}", up: 1 }
    valuetype: gauge
  - name: app_version
    path: $.version
`) as unknown;

describe('JsonSource', () => {
  it('maps JSON over HTTP with JSONPath (values, objects, static and path labels)', async (t) => {
    const doc = {
      queue: { name: 'emails', length: 7 },
      workers: [
        { name: 'w1', busy: true, jobs: 10 },
        { name: 'w2', busy: false, jobs: '12' },
      ],
      version: 'v1.2',
    };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(doc));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats`;
    const set = new MetricSet();
    await new JsonSource({ metrics: parseJsonMapping(mapping) }).collect(
      set,
      url,
      AbortSignal.timeout(5000),
    );
    const s = samples(encodeText(set.families()));
    assert.deepEqual(Object.fromEntries(s), {
      'app_queue_length{env="prod",queue="emails"}': 7,
      'app_worker_busy{worker="w1"}': 1,
      'app_worker_busy{worker="w2"}': 0,
      'app_worker_jobs_total{worker="w1"}': 10,
      'app_worker_jobs_total{worker="w2"}': 12,
      'app_worker_up{worker="w1"}': 1,
      'app_worker_up{worker="w2"}': 1,
    });
    // "v1.2" is not a number: dropped and counted, the rest served.
    assert.deepEqual(
      set.dropped.map((d) => [d.reason, d.metric]),
      [['invalid_value', 'app_version']],
    );
  });

  it('refuses invalid mappings at start-up', () => {
    const bad = (doc: string): void => {
      assert.throws(
        () => parseJsonMapping(parse(doc)),
        (e: unknown) => isPodkitError(e, 'ADAPTER_CONFIG'),
      );
    };
    bad('metrics: [{ name: "bad-name", path: "$.a" }]');
    bad('metrics: [{ name: ok, path: "$..a" }]');
    bad('metrics: [{ name: ok, path: "$.a[?(@.x)]" }]');
    bad('metrics: [{ name: ok, type: object, path: "$.a" }]');
    bad('metrics: [{ name: ok, path: "$.a", labels: { "bad-label": x } }]');
  });

  it('JSONPath subset', () => {
    const doc = { a: { b: [1, 2, 3], 'c d': 4 }, m: { x: 1, y: 2 } };
    assert.deepEqual(compileJsonPath('$.a.b[*]')(doc), [1, 2, 3]);
    assert.deepEqual(compileJsonPath('$.a.b[-1]')(doc), [3]);
    assert.deepEqual(compileJsonPath("$.a['c d']")(doc), [4]);
    assert.deepEqual(compileJsonPath('{.m.*}')(doc), [1, 2]);
    assert.deepEqual(compileJsonPath('a.b[0]')(doc), [1]);
    assert.deepEqual(compileJsonPath('$.nope.x')(doc), []);
  });
});
