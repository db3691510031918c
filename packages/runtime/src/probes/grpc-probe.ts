import http2 from 'node:http2';
import { deadlineSignal, formatTimeout } from './deadline.js';
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  firstGrpcMessage,
  HEALTH_CHECK_PATH,
  SERVING_STATUS,
} from './grpc-health.js';
import { PROBE_USER_AGENT, type ProbeResult } from './types.js';

/** gRPC status codes kubelet's messages name. */
const GRPC_CODES: Readonly<Record<number, string>> = {
  1: 'Canceled',
  2: 'Unknown',
  4: 'DeadlineExceeded',
  5: 'NotFound',
  12: 'Unimplemented',
  14: 'Unavailable',
};

/**
 * grpc handler: grpc.health.v1.Health/Check over plaintext HTTP/2 (as kubelet: no TLS), success
 * when the service answers SERVING. Messages follow kubelet's wording.
 */
export function grpcProbe(
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const limit = deadlineSignal(timeoutMs, signal);
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve) => {
    let settled = false;
    const session = http2.connect(`http://${authority}`);
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      limit.removeEventListener('abort', onAbort);
      session.destroy();
      resolve(r);
    };
    const onAbort = (): void => {
      finish({
        ok: false,
        output: `timeout: health rpc did not complete within ${formatTimeout(timeoutMs)}`,
      });
    };
    if (limit.aborted) {
      onAbort();
      return;
    }
    limit.addEventListener('abort', onAbort, { once: true });
    session.once('error', (e: Error) => {
      finish({
        ok: false,
        output: `timeout: failed to connect service "${authority}" within ${formatTimeout(timeoutMs)}: ${e.message}`,
      });
    });
    const request: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': PROBE_USER_AGENT,
    };
    // The server may give up too (milliseconds, as gRPC's wire format spells them).
    if (Number.isFinite(timeoutMs))
      request['grpc-timeout'] = `${Math.max(1, Math.ceil(timeoutMs))}m`;
    const stream = session.request(request);
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      headers = h;
    });
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.once('error', (e: Error) => {
      finish({ ok: false, output: `health rpc failed: ${e.message}` });
    });
    const conclude = (trailers: http2.IncomingHttpHeaders): void => {
      const statusHeader = trailers['grpc-status'] ?? headers['grpc-status'];
      const code = statusHeader === undefined ? NaN : Number(statusHeader);
      if (Number.isNaN(code)) {
        finish({
          ok: false,
          output: `health rpc failed: no grpc-status (HTTP ${String(headers[':status'])})`,
        });
        return;
      }
      if (code !== 0) {
        const message = String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '');
        const name = GRPC_CODES[code] ?? `code ${code}`;
        finish({
          ok: false,
          output:
            code === 12
              ? `this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}`
              : `health rpc probe failed: rpc error: code = ${name} desc = ${decodeURIComponent(message)}`,
        });
        return;
      }
      try {
        const msg = firstGrpcMessage(Buffer.concat(chunks));
        if (msg === undefined) throw new Error('no response message');
        const status = decodeHealthCheckResponse(msg);
        const name = SERVING_STATUS[status] ?? String(status);
        finish(
          status === 1
            ? { ok: true, output: '' }
            : { ok: false, output: `service unhealthy (responded with "${name}")` },
        );
      } catch (e) {
        finish({ ok: false, output: `health rpc failed: ${(e as Error).message}` });
      }
    };
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.on('trailers', (t: http2.IncomingHttpHeaders) => {
      trailers = t;
    });
    stream.once('end', () => {
      conclude(trailers ?? {});
    });
    stream.end(encodeHealthCheckRequest(service));
  });
}
