import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { HttpError, isPodkitError, readBody, startHealthServer } from './index.js';

test('/healthz and /readyz flip with the checks', async (t) => {
  let live = true;
  let ready: boolean | { ok: boolean; reason: string } = false;
  const server = await startHealthServer({
    port: 0,
    checks: { liveness: () => live, readiness: () => Promise.resolve(ready) },
  });
  t.after(() => server.close());
  assert.equal(server.address.host, '127.0.0.1', 'loopback by default');
  assert.ok(server.address.port > 0);

  const get = async (path: string): Promise<[number, string]> => {
    const res = await fetch(server.url + path);
    return [res.status, await res.text()];
  };
  assert.deepEqual(await get('/healthz'), [200, 'ok\n']);
  assert.deepEqual(await get('/readyz'), [503, 'not ready\n']);
  ready = true;
  assert.deepEqual(await get('/readyz'), [200, 'ok\n']);
  ready = { ok: false, reason: 'last sync failed: fatal: repository not found' };
  assert.deepEqual(await get('/readyz'), [
    503,
    'not ready: last sync failed: fatal: repository not found\n',
  ]);
  live = false;
  assert.deepEqual(await get('/healthz'), [503, 'not healthy\n']);
  live = true;
  assert.deepEqual(await get('/healthz'), [200, 'ok\n']);
});

test('a check that throws or hangs fails with the reason', async (t) => {
  const server = await startHealthServer({
    port: 0,
    checkTimeoutMs: 50,
    checks: {
      liveness: () => {
        throw new Error('boom');
      },
      readiness: () => new Promise<boolean>(() => undefined),
    },
  });
  t.after(() => server.close());
  const live = await fetch(`${server.url}/healthz`);
  assert.equal(live.status, 503);
  assert.equal(await live.text(), 'not healthy: check failed: boom\n');
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(await ready.text(), 'not ready: check timed out after 50 ms\n');
});

test('/metrics serves a registered counter in Prometheus text', async (t) => {
  const registry = new Registry();
  const syncs = new Counter({
    name: 'git_sync_count_total',
    help: 'syncs',
    labelNames: ['status'],
    registers: [registry],
  });
  syncs.inc({ status: 'success' }, 3);
  const server = await startHealthServer({ port: 0, registry, defaultMetrics: true });
  t.after(() => server.close());
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const body = await res.text();
  assert.match(body, /^# HELP git_sync_count_total syncs$/m);
  assert.match(body, /^# TYPE git_sync_count_total counter$/m);
  assert.match(body, /^git_sync_count_total\{status="success"\} 3$/m);
  assert.match(body, /^process_cpu_user_seconds_total \d/m, 'default metrics when asked');
});

test('component routes, 404, 405, HEAD, and the body size bound', async (t) => {
  const server = await startHealthServer({
    port: 0,
    routes: {
      'GET /status': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sha: 'abc' }));
      },
      'POST /webhook': async (req, res) => {
        const body = await readBody(req, { limit: 16 });
        res.writeHead(202).end(`got ${body.length}`);
      },
      'GET /teapot': () => {
        throw new HttpError(418, 'KIT_TEST', "I'm a teapot");
      },
      'GET /broken': () => {
        throw new Error('secret internals');
      },
    },
  });
  t.after(() => server.close());
  const status = await fetch(`${server.url}/status`);
  assert.deepEqual(await status.json(), { sha: 'abc' });

  const small = await fetch(`${server.url}/webhook`, { method: 'POST', body: 'hello' });
  assert.equal(small.status, 202);
  assert.equal(await small.text(), 'got 5');

  const big = await fetch(`${server.url}/webhook`, { method: 'POST', body: 'x'.repeat(17) });
  assert.equal(big.status, 413);
  assert.equal(await big.text(), 'request body larger than 16 bytes\n');

  // A chunked body (no Content-Length) is cut off as it streams.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(`${server.url}/webhook`, { method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.write('x'.repeat(10));
    req.end('y'.repeat(10));
  });
  assert.equal(chunked, 413);

  const notFound = await fetch(`${server.url}/nope`);
  assert.equal(notFound.status, 404);
  assert.equal(await notFound.text(), 'not found\n');

  const wrong = await fetch(`${server.url}/webhook`);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'POST');
  await wrong.text();

  const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
  assert.equal(head.status, 200);

  const teapot = await fetch(`${server.url}/teapot`);
  assert.equal(teapot.status, 418);
  assert.equal(await teapot.text(), "I'm a teapot\n");

  const broken = await fetch(`${server.url}/broken`);
  assert.equal(broken.status, 500);
  assert.equal(await broken.text(), 'internal error\n', 'internals are not leaked');
});

test('bad routes and a busy port are clear errors; close is idempotent', async (t) => {
  await assert.rejects(
    startHealthServer({ port: 0, routes: { 'GET /healthz': () => undefined } }),
    (e) => isPodkitError(e, 'KIT_HTTP_ROUTE_INVALID'),
  );
  await assert.rejects(startHealthServer({ port: 0, routes: { status: () => undefined } }), (e) =>
    isPodkitError(e, 'KIT_HTTP_ROUTE_INVALID'),
  );
  const first = await startHealthServer({ port: 0 });
  t.after(() => first.close());
  await assert.rejects(
    startHealthServer({ port: first.address.port }),
    (e) => isPodkitError(e, 'KIT_HTTP_LISTEN') && e.message.includes('EADDRINUSE'),
  );
  {
    await using second = await startHealthServer({ port: 0 });
    assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
  }
  await first.close();
  await first.close();
});
