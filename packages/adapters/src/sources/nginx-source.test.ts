import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { samples, types } from '../../test/samples.js';
import { startNginx } from '../../test/servers.js';
import { encodeText } from '../exposition/encode.js';
import { MetricSet } from '../exposition/metric-set.js';
import { NginxSource, parseStubStatus } from './nginx-source.js';

describe('NginxSource (real nginx-light)', () => {
  it('maps stub_status to nginx-prometheus-exporter names and types', async (t) => {
    const nginx = await startNginx();
    t.after(() => nginx.stop());
    const base = `http://127.0.0.1:${nginx.port}`;
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/`)).text();
    const set = new MetricSet();
    await new NginxSource().collect(set, `${base}/stub_status`, AbortSignal.timeout(5000));
    const body = encodeText(set.families());
    const s = samples(body);
    // 3 requests to / plus this stub_status read itself
    assert.equal(s.get('nginx_http_requests_total'), 4);
    assert.ok((s.get('nginx_connections_accepted') ?? 0) >= 1);
    assert.equal(s.get('nginx_connections_writing'), 1);
    assert.deepEqual(Object.fromEntries(types(body)), {
      nginx_connections_accepted: 'counter',
      nginx_connections_active: 'gauge',
      nginx_connections_handled: 'counter',
      nginx_connections_reading: 'gauge',
      nginx_connections_waiting: 'gauge',
      nginx_connections_writing: 'gauge',
      nginx_http_requests_total: 'counter',
    });
    await assert.rejects(
      new NginxSource().collect(new MetricSet(), `${base}/`, AbortSignal.timeout(5000)),
      (e: unknown) => isPodkitError(e, 'ADAPTER_UPSTREAM'),
    );
  });

  it('parseStubStatus reads the page and refuses anything else', () => {
    const page =
      'Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n';
    assert.deepEqual(parseStubStatus(page), {
      active: 291,
      accepts: 16630948,
      handled: 16630948,
      requests: 31070465,
      reading: 6,
      writing: 179,
      waiting: 106,
    });
    assert.throws(
      () => parseStubStatus('<html>'),
      (e: unknown) => isPodkitError(e, 'ADAPTER_UPSTREAM'),
    );
  });
});
