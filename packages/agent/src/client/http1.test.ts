import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPodkitError } from '@podkit/kit';
import { AgentErrorCode } from '../errors.js';
import { ResponseParser, http1Request, type ResponseEvent } from './http1.js';

/** What a parse yields, merged: the head, every body byte, what followed the message. */
interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: string;
  rest: string;
  ended: boolean;
}

function merge(events: ResponseEvent[]): Parsed {
  const p: Parsed = { status: 0, headers: {}, body: '', rest: '', ended: false };
  for (const e of events) {
    if (e.type === 'head') {
      p.status = e.status;
      p.headers = Object.fromEntries(e.headers);
    } else if (e.type === 'data') p.body += e.data.toString('latin1');
    else {
      p.rest = e.rest.toString('latin1');
      p.ended = true;
    }
  }
  return p;
}

/** Parses `raw` fed in the pieces `cuts` makes, then the connection's end. */
function parseIn(raw: Buffer, cuts: number[]): Parsed {
  const parser = new ResponseParser();
  const events: ResponseEvent[] = [];
  let from = 0;
  for (const at of [...cuts, raw.length]) {
    events.push(...parser.push(raw.subarray(from, at)));
    from = at;
    // A complete message (after a 101: its head) leaves the rest to the new protocol's reader.
    if (parser.done) break;
  }
  if (!parser.done) events.push(...parser.finish());
  const parsed = merge(events);
  return { ...parsed, rest: parsed.rest + raw.subarray(from).toString('latin1') };
}

/** A small deterministic generator (the split points must repeat when a test fails). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `raw` parsed whole, byte by byte and split at random points: the same every time. */
function parseEveryWay(raw: Buffer): Parsed {
  const whole = parseIn(raw, []);
  assert.deepEqual(
    parseIn(
      raw,
      Array.from({ length: raw.length }, (_, i) => i),
    ),
    whole,
    'byte by byte',
  );
  const next = random(raw.length);
  for (let round = 0; round < 50; round++) {
    const cuts = Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
      Math.floor(next() * raw.length),
    ).sort((a, b) => a - b);
    assert.deepEqual(parseIn(raw, cuts), whole, `split at ${cuts.join(',')}`);
  }
  return whole;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('ResponseParser: content-length, chunked with extensions, close-delimited, 204, 101 — whole, byte by byte, split anywhere', () => {
  assert.deepEqual(
    parseEveryWay(
      b(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"b c"}',
      ),
    ),
    {
      status: 200,
      headers: { 'content-type': 'application/json', 'content-length': '11' },
      body: '{"a":"b c"}',
      rest: '',
      ended: true,
    },
  );
  assert.deepEqual(
    parseEveryWay(
      b(
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n' +
          '6\r\n{"a":1\r\n2;ext=1\r\n}\n\r\nB \r\n{"b":"\r\n"}\n\r\n0\r\nTrailer: t\r\n\r\n',
      ),
    ),
    {
      status: 200,
      headers: { 'transfer-encoding': 'chunked', 'x-a': '1, 2' },
      body: '{"a":1}\n{"b":"\r\n"}\n',
      rest: '',
      ended: true,
    },
  );
  assert.deepEqual(parseEveryWay(b('HTTP/1.0 200 OK\r\n\r\nto the end')), {
    status: 200,
    headers: {},
    body: 'to the end',
    rest: '',
    ended: true,
  });
  assert.deepEqual(parseEveryWay(b('HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n')), {
    status: 204,
    headers: { date: 'x' },
    body: '',
    rest: '',
    ended: true,
  });
  assert.deepEqual(
    parseEveryWay(
      b('HTTP/1.1 101 Switching Protocols\r\nUpgrade: podkit-exec\r\n\r\n\x04\x00\x00'),
    ),
    {
      status: 101,
      headers: { upgrade: 'podkit-exec' },
      body: '',
      rest: '\x04\x00\x00',
      ended: true,
    },
  );
});

test('ResponseParser: a malformed answer is AGENT_PROTOCOL, one cut short AGENT_LOST', () => {
  const code = (raw: string, finish = false): string | undefined => {
    const p = new ResponseParser();
    try {
      p.push(b(raw));
      if (finish) p.finish();
    } catch (err) {
      return isPodkitError(err) ? err.code : 'not a PodkitError';
    }
    return undefined;
  };
  assert.equal(code('HTTP/2 200 OK\r\n\r\n'), AgentErrorCode.AGENT_PROTOCOL);
  assert.equal(code('HTTP/1.1 20 OK\r\n\r\n'), AgentErrorCode.AGENT_PROTOCOL);
  assert.equal(code('HTTP/1.1 200 OK\r\nno colon\r\n\r\n'), AgentErrorCode.AGENT_PROTOCOL);
  assert.equal(
    code('HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n'),
    AgentErrorCode.AGENT_PROTOCOL,
  );
  assert.equal(
    code('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n'),
    AgentErrorCode.AGENT_PROTOCOL,
  );
  assert.equal(
    code('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'),
    AgentErrorCode.AGENT_PROTOCOL,
  );
  assert.equal(
    code('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nab\r\n'),
    AgentErrorCode.AGENT_PROTOCOL,
  );
  assert.equal(code(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(70_000)}`), AgentErrorCode.AGENT_PROTOCOL);
  assert.equal(
    code('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab', true),
    AgentErrorCode.AGENT_LOST,
  );
  assert.equal(code('HTTP/1.1 200 OK\r\n', true), AgentErrorCode.AGENT_LOST);
  assert.equal(
    code('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n', true),
    AgentErrorCode.AGENT_LOST,
  );
  assert.equal(code('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nab', true), undefined);
});

/** Node's http server on a unix socket (the agent's server), with the answers the agent sends. */
async function agentLikeServer(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-http1-'));
  const socketPath = path.join(dir, 'agent.sock');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      if (req.url === '/json') {
        const data = JSON.stringify({
          method: req.method,
          body,
          type: req.headers['content-type'],
        });
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        });
        res.end(data);
      } else if (req.url === '/lines') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.flushHeaders();
        for (let i = 0; i < 5; i++) {
          res.write(`${JSON.stringify({ type: 'line', i, text: 'é€😀' })}\n`);
          await sleep(2);
        }
        res.end();
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 256; i++) {
          if (!res.write(Buffer.alloc(4096, i))) await once(res, 'drain');
        }
        res.end();
      } else if (req.url === '/none') {
        res.writeHead(204).end();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"type":"line"}\n');
        await sleep(5);
        res.socket?.destroy();
      } else {
        const data = JSON.stringify({ error: { code: 'AGENT_NO_SUCH_CALL', message: 'no' } });
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(data);
      }
    })();
  });
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: podkit-exec\r\nConnection: Upgrade\r\n\r\nhello',
    );
    socket.on('data', (d: Buffer) => {
      socket.end(`echo:${d.toString()}`);
    });
  });
  server.listen(socketPath);
  await once(server, 'listening');
  t.after(async () => {
    server.close();
    server.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  });
  return socketPath;
}

async function text(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The raw bytes the server answers (read with a plain socket), for the parser to split. */
async function rawAnswer(socketPath: string, target: string): Promise<Buffer> {
  const s = connect(socketPath);
  // Not half-closed: the server closes once it answered (Connection: close).
  s.write(`GET ${target} HTTP/1.1\r\nHost: agent\r\nConnection: close\r\n\r\n`);
  const parts: Buffer[] = [];
  for await (const chunk of s) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** What node:http's own client reads of the same answer: the oracle. */
async function oracle(
  socketPath: string,
  target: string,
): Promise<{ status: number; body: Buffer }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request({ socketPath, path: target }, resolve).on('error', reject).end();
  });
  return { status: res.statusCode ?? 0, body: await text(res) };
}

test("http1Request against Node's http server: what node:http reads, split anywhere; JSON in, NDJSON lines, errors, 204, backpressure, upgrade", async (t) => {
  const socketPath = await agentLikeServer(t);
  for (const target of ['/json', '/lines', '/big', '/none', '/nothing']) {
    const want = await oracle(socketPath, target);
    const res = await http1Request(socketPath, { method: 'GET', path: target });
    assert.equal(res.status, want.status, target);
    assert.deepEqual(await text(res.body), want.body, target);
    const raw = await rawAnswer(socketPath, target);
    const parsed = target === '/big' ? parseIn(raw, [7, 100, 5000, 70_000]) : parseEveryWay(raw);
    assert.equal(parsed.status, want.status, target);
    assert.equal(parsed.body, want.body.toString('latin1'), target);
  }

  const json = await http1Request(socketPath, {
    method: 'POST',
    path: '/json',
    headers: { 'content-type': 'application/json' },
    body: '{"manifest":"é"}',
  });
  assert.equal(json.headers.get('content-type'), 'application/json');
  assert.deepEqual(JSON.parse((await text(json.body)).toString('utf8')), {
    method: 'POST',
    body: '{"manifest":"é"}',
    type: 'application/json',
  });

  // A slow reader: the socket pauses, nothing is lost.
  const big = await http1Request(socketPath, { method: 'GET', path: '/big' });
  let total = 0;
  for await (const chunk of big.body) {
    total += chunk.length;
    if (total < 200_000) await sleep(1);
  }
  assert.equal(total, 256 * 4096);

  // Cut in the middle of a chunked answer: what came is read, then AGENT_LOST.
  const cut = await http1Request(socketPath, { method: 'GET', path: '/cut' });
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of cut.body) seen.push(chunk.toString());
    })(),
    (err) => isPodkitError(err, AgentErrorCode.AGENT_LOST),
  );
  assert.deepEqual(seen, ['{"type":"line"}\n']);

  // Aborted while reading: the read rejects with the signal's reason.
  const ac = new AbortController();
  const lines = await http1Request(socketPath, {
    method: 'GET',
    path: '/lines',
    signal: ac.signal,
  });
  await assert.rejects(
    (async () => {
      for await (const _ of lines.body) ac.abort(new Error('enough'));
    })(),
    /enough/,
  );

  const up = await http1Request(socketPath, {
    method: 'POST',
    path: '/exec',
    headers: { connection: 'Upgrade', upgrade: 'podkit-exec' },
  });
  assert.equal(up.status, 101);
  assert.ok(up.upgrade !== undefined);
  const { socket, head } = up.upgrade;
  socket.write('ping');
  const after = await text(socket as AsyncIterable<Buffer>);
  assert.equal(Buffer.concat([head, after]).toString(), 'helloecho:ping');

  // No server: the socket's own error, as the client maps it.
  await assert.rejects(
    http1Request(path.join(path.dirname(socketPath), 'none.sock'), { method: 'GET', path: '/' }),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
});
