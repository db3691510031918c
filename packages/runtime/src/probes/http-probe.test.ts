import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpProbe } from './http-probe.js';
import { createProber } from './prober.js';
import { Runc } from '../runc/runc.js';
import { PROBE_USER_AGENT } from './types.js';

async function server(
  t: { after: (fn: () => Promise<void>) => void },
  handler: http.RequestListener,
): Promise<number> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(async () => {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  });
  return (s.address() as AddressInfo).port;
}

test('httpGet: 200..399 pass, 400 and above fail, with kubelet headers', async (t) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const port = await server(t, (req, res) => {
    seen.push(req.headers);
    const code = Number(req.url?.slice(1));
    res.writeHead(code, { location: '/elsewhere' }).end(`status ${code}`);
  });
  const probe = (code: number) =>
    httpProbe({ scheme: 'HTTP', host: '127.0.0.1', port, path: `/${code}`, headers: [] }, 1000);
  assert.deepEqual(await probe(200), { ok: true, output: 'status 200' });
  assert.equal((await probe(399)).ok, true);
  assert.equal((await probe(302)).ok, true, 'a redirect is not followed and passes');
  assert.deepEqual(await probe(400), {
    ok: false,
    output: 'HTTP probe failed with statuscode: 400',
  });
  assert.equal((await probe(503)).ok, false);
  assert.equal((await probe(199)).ok, false);
  assert.equal(seen[0]?.['user-agent'], PROBE_USER_AGENT);
  assert.equal(seen[0].accept, '*/*');
});

test('httpGet: httpHeaders (incl. Host and User-Agent) are sent, path and query kept', async (t) => {
  let got: { url?: string | undefined; headers: http.IncomingHttpHeaders } | undefined;
  const port = await server(t, (req, res) => {
    got = { url: req.url, headers: req.headers };
    res.end('ok');
  });
  const r = await httpProbe(
    {
      scheme: 'HTTP',
      host: '127.0.0.1',
      port,
      path: 'healthz?full=1',
      headers: [
        { name: 'X-Custom', value: 'Awesome' },
        { name: 'Host', value: 'example.test' },
        { name: 'User-Agent', value: 'mine' },
      ],
    },
    1000,
  );
  assert.equal(r.ok, true);
  assert.equal(got?.url, '/healthz?full=1');
  assert.equal(got.headers['x-custom'], 'Awesome');
  assert.equal(got.headers.host, 'example.test');
  assert.equal(got.headers['user-agent'], 'mine');
});

test('httpGet: timeoutSeconds is enforced; a refused connection fails', async (t) => {
  const port = await server(t, (_req, res) => {
    setTimeout(() => res.end('late'), 3000).unref();
  });
  const slow = await httpProbe(
    { scheme: 'HTTP', host: '127.0.0.1', port, path: '/', headers: [] },
    200,
  );
  assert.equal(slow.ok, false);
  assert.match(slow.output, /deadline exceeded/);
  const gone = http.createServer();
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
  const gonePort = (gone.address() as AddressInfo).port;
  await new Promise((r) => gone.close(r));
  const refused = await httpProbe(
    { scheme: 'HTTP', host: '127.0.0.1', port: gonePort, path: '/', headers: [] },
    1000,
  );
  assert.equal(refused.ok, false);
  assert.match(refused.output, /ECONNREFUSED/);
});

test('the prober resolves named ports and reports unknown names', async (t) => {
  const port = await server(t, (_req, res) => res.end('named'));
  const prober = createProber(new Runc({ root: '/nonexistent' }));
  const target = {
    containerId: 'x',
    host: '127.0.0.1',
    ports: [
      { name: 'udp-one', containerPort: 1, protocol: 'UDP' as const },
      { name: 'web', containerPort: port, protocol: 'TCP' as const },
    ],
  };
  const action = (p: number | string) => ({
    httpGet: { scheme: 'HTTP' as const, path: '/', port: p, httpHeaders: [] },
  });
  assert.deepEqual(await prober.run(action('web'), target, 1000), { ok: true, output: 'named' });
  assert.deepEqual(await prober.run(action('nope'), target, 1000), {
    ok: false,
    output: 'unknown port name "nope"',
  });
  assert.equal((await prober.run({ tcpSocket: { port: 'web' } }, target, 1000)).ok, true);
  assert.equal((await prober.run({ tcpSocket: { port: 'udp-one' } }, target, 1000)).ok, false);
});
