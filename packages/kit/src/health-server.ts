import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';
import { PodkitError, KitErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/**
 * prom-client, loaded on first use: it costs ~0.2 s of start-up, which every user of the kit
 * (the runtime's CLI and pod worker import only its errors) would otherwise pay.
 */
function promClient(): typeof import('prom-client') {
  return createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
}

/** A check passes with `true`/`{ ok: true }`; `{ ok: false, reason }` says why it fails. */
export type CheckResult = boolean | { ok: boolean; reason?: string | undefined };
export type Check = () => CheckResult | Promise<CheckResult>;

export interface HealthChecks {
  /** `/healthz`: false means "restart me". Missing → always live. */
  liveness?: Check;
  /** `/readyz`: false means "do not send me traffic yet". Missing → always ready. */
  readiness?: Check;
}

/** A component's own endpoint. Throw `HttpError` to answer with its status and message. */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) => void | Promise<void>;

export interface HealthServerOptions {
  /** Default 127.0.0.1: health and metrics are not for the world unless asked. */
  host?: string;
  /** 0 picks a free port; read it from `address.port`. */
  port: number;
  /** The private registry `/metrics` serves; a new one when omitted. */
  registry?: Registry;
  /** Also export prom-client's default process metrics (CPU, memory, event loop…). */
  defaultMetrics?: boolean;
  checks?: HealthChecks;
  /** Extra endpoints keyed by `"METHOD /path"`, e.g. `"GET /status"`, `"POST /webhook"`. */
  routes?: Record<string, RouteHandler>;
  /** A check that takes longer than this fails (default 5000 ms). */
  checkTimeoutMs?: number;
  logger?: Logger;
}

export interface HealthServer extends AsyncDisposable {
  /** The bound address (the real port when `port` was 0). */
  readonly address: { host: string; port: number };
  /** `http://host:port` of the bound address. */
  readonly url: string;
  readonly registry: Registry;
  /** Stops listening and drops open connections; safe to call twice. */
  close(): Promise<void>;
}

/** An error with an HTTP status, for route handlers (codes `KIT_HTTP_*`). */
export class HttpError extends PodkitError {
  readonly status: number;
  constructor(status: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'HttpError';
    this.status = status;
  }
}

/**
 * Reads a request body, refusing more than `limit` bytes (default 1 MiB) with a 413
 * `HttpError` (`KIT_HTTP_BODY_TOO_LARGE`) — before reading when Content-Length says so, else
 * as soon as the limit is crossed, so a large or endless body never sits in memory.
 */
export async function readBody(
  req: IncomingMessage,
  options: { limit?: number } = {},
): Promise<Buffer> {
  const limit = options.limit ?? 1024 * 1024;
  const tooLarge = (): HttpError =>
    new HttpError(
      413,
      KitErrorCode.KIT_HTTP_BODY_TOO_LARGE,
      `request body larger than ${limit} bytes`,
    );
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function runCheck(
  check: Check | undefined,
  timeoutMs: number,
): Promise<{ ok: boolean; reason: string }> {
  if (check === undefined) return { ok: true, reason: '' };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => {
        resolve({ ok: false, reason: `check timed out after ${timeoutMs} ms` });
      }, timeoutMs);
    });
    const r = await Promise.race([Promise.resolve().then(check), timeout]);
    if (typeof r === 'boolean') return { ok: r, reason: '' };
    return { ok: r.ok, reason: r.reason ?? '' };
  } catch (err) {
    return {
      ok: false,
      reason: `check failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

function text(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

const ROUTE_KEY = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\/\S*)$/;

/**
 * Starts the HTTP server every pattern container exposes: `/healthz` (liveness), `/readyz`
 * (readiness; the reason on failure), `/metrics` (Prometheus text from a private registry),
 * plus the component's own routes; 404 for unknown paths, 405 for known paths with another
 * method. GET routes answer HEAD too.
 *
 * @example
 *   await using http = await startHealthServer({ port: 8080, registry, checks: { readiness: () => synced } });
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const host = options.host ?? '127.0.0.1';
  const registry = options.registry ?? new (promClient().Registry)();
  if (options.defaultMetrics === true) promClient().collectDefaultMetrics({ register: registry });
  const checkTimeoutMs = options.checkTimeoutMs ?? 5000;
  const log = options.logger;

  // path → method → handler
  const table = new Map<string, Map<string, RouteHandler>>();
  const add = (key: string, handler: RouteHandler): void => {
    const m = ROUTE_KEY.exec(key);
    if (m === null) {
      throw new PodkitError(
        KitErrorCode.KIT_HTTP_ROUTE_INVALID,
        `route "${key}" is not "METHOD /path"`,
      );
    }
    const [, method = '', path = ''] = m;
    const methods = table.get(path) ?? new Map<string, RouteHandler>();
    if (methods.has(method)) {
      throw new PodkitError(
        KitErrorCode.KIT_HTTP_ROUTE_INVALID,
        `route "${key}" is defined twice (or is built in)`,
      );
    }
    methods.set(method, handler);
    table.set(path, methods);
  };
  const probe =
    (check: Check | undefined, failure: string): RouteHandler =>
    async (_req, res) => {
      const r = await runCheck(check, checkTimeoutMs);
      if (r.ok) text(res, 200, 'ok\n');
      else text(res, 503, `${failure}${r.reason === '' ? '' : `: ${r.reason}`}\n`);
    };
  add('GET /healthz', probe(options.checks?.liveness, 'not healthy'));
  add('GET /readyz', probe(options.checks?.readiness, 'not ready'));
  add('GET /metrics', async (_req, res) => {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(body);
  });
  for (const [key, handler] of Object.entries(options.routes ?? {})) add(key, handler);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const methods = table.get(url.pathname);
    if (methods === undefined) {
      text(res, 404, 'not found\n');
      return;
    }
    const method = req.method ?? 'GET';
    const handler = methods.get(method) ?? (method === 'HEAD' ? methods.get('GET') : undefined);
    if (handler === undefined) {
      const allow = [...methods.keys()];
      if (allow.includes('GET')) allow.push('HEAD');
      text(res, 405, 'method not allowed\n', { allow: allow.join(', ') });
      return;
    }
    await handler(req, res, url);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status >= 500) log?.error({ err, path: req.url }, 'request handler failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      text(res, status, status >= 500 ? 'internal error\n' : `${(err as Error).message}\n`, {
        connection: 'close',
      });
    });
  });
  // Bounded so a slow client cannot hold a connection for Node's default five minutes.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new PodkitError(
          KitErrorCode.KIT_HTTP_LISTEN,
          `cannot listen on ${host}:${options.port}: ${err.code ?? err.message}`,
          {
            cause: err,
            hint: 'is another process using the port, or is the address not on this machine?',
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log?.error({ err }, 'http server error'));

  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    return closing;
  };
  return {
    address,
    url: `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`,
    registry,
    close,
    [Symbol.asyncDispose]: close,
  };
}
