import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  firstGrpcMessage,
  HEALTH_CHECK_PATH,
} from './grpc-health.js';
import { grpcProbe } from './grpc-probe.js';

/**
 * A gRPC health server on node:http2 (the wire format as grpc-go serves it: headers, one
 * length-prefixed message, grpc-status in trailers). Status per service name; services not
 * listed get NOT_FOUND, as grpc-go's health server answers.
 */
async function healthServer(statuses: Map<string, number>, opts: { delayMs?: number } = {}) {
  const seen: string[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.on('end', () => {
      if (headers[':path'] !== HEALTH_CHECK_PATH) {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
          { endStream: true },
        );
        return;
      }
      const msg = firstGrpcMessage(Buffer.concat(chunks)) ?? Buffer.alloc(0);
      // field 1 (string): 0x0a, length, bytes
      const service = msg.length > 2 ? msg.subarray(2).toString('utf8') : '';
      seen.push(service);
      const reply = (): void => {
        const status = statuses.get(service);
        if (status === undefined) {
          stream.respond(
            {
              ':status': 200,
              'content-type': 'application/grpc',
              'grpc-status': '5',
              'grpc-message': 'unknown service',
            },
            { endStream: true },
          );
          return;
        }
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => {
          stream.sendTrailers({ 'grpc-status': '0' });
        });
        const body = Buffer.from([0x08, status]);
        const head = Buffer.alloc(5);
        head.writeUInt32BE(body.length, 1);
        stream.end(Buffer.concat([head, body]));
      };
      if (opts.delayMs === undefined) reply();
      else setTimeout(reply, opts.delayMs).unref();
    });
    stream.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => {
          r();
        });
      }),
  };
}

test('grpc health messages encode and decode (frames split anywhere are incomplete)', () => {
  assert.deepEqual([...encodeHealthCheckRequest('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...encodeHealthCheckRequest('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  const frame = Buffer.from([0, 0, 0, 0, 2, 0x08, 1]);
  for (let i = 0; i < frame.length; i++)
    assert.equal(firstGrpcMessage(frame.subarray(0, i)), undefined);
  assert.equal(decodeHealthCheckResponse(firstGrpcMessage(frame) ?? Buffer.alloc(0)), 1);
  // unknown fields skipped, absent status is UNKNOWN (0)
  assert.equal(decodeHealthCheckResponse(Buffer.from([0x12, 1, 0x41, 0x08, 2])), 2);
  assert.equal(decodeHealthCheckResponse(Buffer.alloc(0)), 0);
  assert.throws(() => decodeHealthCheckResponse(Buffer.from([0x08])));
});

test('grpc: SERVING passes; NOT_SERVING, unknown service, timeout and no server fail', async (t) => {
  const s = await healthServer(
    new Map([
      ['', 1],
      ['db', 2],
    ]),
  );
  t.after(s.close);
  assert.deepEqual(await grpcProbe('127.0.0.1', s.port, '', 1000), { ok: true, output: '' });
  assert.deepEqual(await grpcProbe('127.0.0.1', s.port, 'db', 1000), {
    ok: false,
    output: 'service unhealthy (responded with "NOT_SERVING")',
  });
  const unknown = await grpcProbe('127.0.0.1', s.port, 'other', 1000);
  assert.equal(unknown.ok, false);
  assert.match(unknown.output, /NotFound.*unknown service/);
  assert.deepEqual(s.seen, ['', 'db', 'other']);

  const slow = await healthServer(new Map([['', 1]]), { delayMs: 2000 });
  t.after(slow.close);
  const late = await grpcProbe('127.0.0.1', slow.port, '', 200);
  assert.equal(late.ok, false);
  assert.match(late.output, /did not complete within 200ms/);

  await s.close();
  const gone = await grpcProbe('127.0.0.1', s.port, '', 1000);
  assert.equal(gone.ok, false);
  assert.match(gone.output, /ECONNREFUSED/);
});
