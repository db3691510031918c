import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { httpGet } from './http-get.js';

async function serve(
  t: TestContext,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ base: string; server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { base: `http://127.0.0.1:${addr.port}`, server, connections: () => connections };
}

const signal = () => AbortSignal.timeout(5000);

async function upstreamError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'ADAPTER_UPSTREAM');
    return (err as Error).message;
  }
  assert.fail('no error');
}

describe('httpGet', () => {
  it('keeps the connection to the upstream between scrapes', async (t) => {
    const up = await serve(t, (_req, res) => res.end('ok'));
    for (let i = 0; i < 5; i++)
      assert.equal(await httpGet(`${up.base}/`, { signal: signal() }), 'ok');
    assert.equal(up.connections(), 1);
  });

  it('credentials from the URL or from files become a header, never part of a message', async (t) => {
    const seen: (string | undefined)[] = [];
    const up = await serve(t, (req, res) => {
      seen.push(req.headers.authorization);
      res.statusCode = req.url === '/fail' ? 503 : 200;
      res.end('ok');
    });
    const dir = await mkdtemp(join(tmpdir(), 'podkit-adapters-httpget-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'token'), 's3cret-token\n');
    await writeFile(join(dir, 'pw'), 'pa55');
    const withUser = up.base.replace('http://', 'http://bob:hunter2@');
    await httpGet(`${withUser}/`, { signal: signal() });
    await httpGet(`${up.base}/`, {
      signal: signal(),
      auth: { bearerTokenFile: join(dir, 'token') },
    });
    await httpGet(`${up.base}/`, {
      signal: signal(),
      auth: { username: 'amy', passwordFile: join(dir, 'pw') },
    });
    assert.deepEqual(seen, [
      `Basic ${Buffer.from('bob:hunter2').toString('base64')}`,
      'Bearer s3cret-token',
      `Basic ${Buffer.from('amy:pa55').toString('base64')}`,
    ]);
    const message = await upstreamError(httpGet(`${withUser}/fail`, { signal: signal() }));
    assert.equal(message, `GET ${up.base}/fail: HTTP 503`);
    assert.doesNotMatch(message, /hunter2|bob/);
  });

  it('follows redirects; credentials do not follow to another origin', async (t) => {
    const seen: { host: string; auth: string | undefined }[] = [];
    const other = await serve(t, (req, res) => {
      seen.push({ host: 'other', auth: req.headers.authorization });
      res.end('there');
    });
    const up = await serve(t, (req, res) => {
      seen.push({ host: 'up', auth: req.headers.authorization });
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else if (req.url === '/away') res.writeHead(307, { location: `${other.base}/x` }).end();
      else if (req.url === '/loop') res.writeHead(301, { location: '/loop' }).end();
      else res.end('here');
    });
    const withUser = up.base.replace('http://', 'http://bob:hunter2@');
    assert.equal(await httpGet(`${withUser}/a`, { signal: signal() }), 'here');
    assert.equal(await httpGet(`${withUser}/away`, { signal: signal() }), 'there');
    const basic = `Basic ${Buffer.from('bob:hunter2').toString('base64')}`;
    assert.deepEqual(seen, [
      { host: 'up', auth: basic },
      { host: 'up', auth: basic },
      { host: 'up', auth: basic },
      { host: 'other', auth: undefined },
    ]);
    assert.match(
      await upstreamError(httpGet(`${up.base}/loop`, { signal: signal() })),
      /redirects/,
    );
  });

  it('refuses a body over the limit, and times out on an upstream that never answers', async (t) => {
    const up = await serve(t, (req, res) => {
      if (req.url === '/big') res.end('x'.repeat(10_000));
      // '/hang': never answered.
    });
    assert.match(
      await upstreamError(httpGet(`${up.base}/big`, { signal: signal(), maxBytes: 1000 })),
      /larger than 1000 bytes/,
    );
    assert.equal(
      await upstreamError(httpGet(`${up.base}/hang`, { signal: AbortSignal.timeout(200) })),
      `GET ${up.base}/hang: timed out`,
    );
  });

  it('names the refused connection', async () => {
    const message = await upstreamError(httpGet('http://127.0.0.1:1/', { signal: signal() }));
    assert.match(message, /ECONNREFUSED/);
  });
});
