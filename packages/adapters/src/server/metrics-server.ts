import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@podkit/kit';
import type { Registry } from 'prom-client';
import { adapterError, AdapterErrorCode } from '../errors.js';
import { TEXT_CONTENT_TYPE, encodeText } from '../exposition/encode.js';
import { familiesFromRegistry } from '../exposition/from-prom-client.js';
import { MetricSet } from '../exposition/metric-set.js';
import { negotiate } from '../exposition/negotiate.js';
import { redactUrl } from '../sources/http-get.js';
import type { TargetSource } from '../sources/source.js';
import { SelfMetrics } from './self-metrics.js';

export interface MetricsServerOptions {
  host?: string | undefined;
  port: number;
  /** The pull source; without it only the registries are served. */
  source?: TargetSource | undefined;
  /** The target `/metrics` reads (single-target mode). */
  target?: string | undefined;
  /** Serve `/scrape?target=` (multi-target mode, like redis_exporter). */
  multiTarget?: boolean | undefined;
  /** Upper bound for one upstream read (Prometheus' scrape timeout header can lower it). */
  timeoutMs?: number | undefined;
  /** Stateful registries served on `/metrics` too (StatsD, log-derived metrics). */
  registries?: readonly Registry[] | undefined;
  /** False serves only text 0.0.4 whatever the Accept header says. */
  openMetrics?: boolean | undefined;
  self?: SelfMetrics | undefined;
  logger?: Logger | undefined;
}

export interface MetricsServer extends AsyncDisposable {
  readonly url: string;
  readonly address: { host: string; port: number };
  readonly self: SelfMetrics;
  close(): Promise<void>;
}

/** The OpenMetrics encoder, loaded on the first scrape that asks for it. */
let openMetrics: Promise<typeof import('../exposition/encode-openmetrics.js')> | undefined;
const loadOpenMetrics = () => (openMetrics ??= import('../exposition/encode-openmetrics.js'));

function reply(
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

/**
 * The adapter's HTTP endpoint: `/metrics` (the configured target, the stateful registries
 * and self-metrics), `/scrape?target=` (one given target; 400 without it), `/healthz` and
 * `/readyz`. Each scrape reads the upstream afresh with a bounded timeout; when that fails
 * the answer is still HTTP 200 with `<ns>_up 0` and no other value from that upstream.
 * Content negotiation picks OpenMetrics 1.0.0 or text 0.0.4.
 *
 * (kit's startHealthServer serves /metrics itself in text 0.0.4 only, without seeing the
 * Accept header, so the adapter has its own small server.)
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const self = options.self ?? new SelfMetrics();
  const timeoutMs = options.timeoutMs ?? 5000;
  const log = options.logger;
  const closing = new AbortController();

  const readTarget = async (
    set: MetricSet,
    source: TargetSource,
    target: string,
    budgetMs: number,
  ): Promise<MetricSet> => {
    const started = performance.now();
    const attempt = new MetricSet();
    let up = 1;
    try {
      await source.collect(
        attempt,
        target,
        AbortSignal.any([AbortSignal.timeout(budgetMs), closing.signal]),
      );
      for (const f of attempt.families()) set.addFamily(f);
      set.dropped.push(...attempt.dropped);
      self.scrapes.inc({ result: 'success' });
    } catch (err) {
      up = 0;
      self.scrapes.inc({ result: 'failure' });
      log?.warn(
        { target: redactUrl(target), err: (err as Error).message },
        'upstream scrape failed',
      );
    }
    self.scrapeDuration.observe((performance.now() - started) / 1000);
    set.gauge(
      `${source.namespace}_up`,
      `Whether the last read of the ${source.namespace} upstream worked (1) or not (0).`,
      {},
      up,
    );
    return set;
  };

  const budget = (req: IncomingMessage): number => {
    // Prometheus says how long it will wait; answer (with up 0) a little before that.
    const header = Number(req.headers['x-prometheus-scrape-timeout-seconds']);
    return Number.isFinite(header) && header > 0
      ? Math.max(100, Math.min(timeoutMs, header * 1000 - 250))
      : timeoutMs;
  };

  const send = async (req: IncomingMessage, res: ServerResponse, set: MetricSet): Promise<void> => {
    for (const d of set.dropped) self.dropped.inc({ reason: d.reason });
    if (set.dropped.length > 0) {
      log?.debug({ dropped: set.dropped.slice(0, 10) }, 'inputs dropped');
    }
    const format = options.openMetrics === false ? 'text-0.0.4' : negotiate(req.headers.accept);
    const { body, contentType } =
      format === 'text-0.0.4'
        ? { body: encodeText(set.families()), contentType: TEXT_CONTENT_TYPE }
        : (await loadOpenMetrics()).encode(set.families(), format);
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const known = ['/metrics', '/scrape', '/healthz', '/readyz'];
    if (!known.includes(url.pathname)) {
      reply(res, 404, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    switch (url.pathname) {
      case '/healthz':
      case '/readyz':
        reply(res, 200, 'ok\n');
        return;
      case '/scrape': {
        const target = url.searchParams.get('target');
        if (options.source === undefined || options.multiTarget !== true) {
          reply(res, 404, 'multi-target scraping is not enabled\n');
          return;
        }
        if (target === null || target.trim() === '') {
          reply(res, 400, "missing the 'target' parameter\n");
          return;
        }
        await send(
          req,
          res,
          await readTarget(new MetricSet(), options.source, target, budget(req)),
        );
        return;
      }
      default: {
        const set = new MetricSet();
        if (options.source !== undefined && options.target !== undefined) {
          await readTarget(set, options.source, options.target, budget(req));
        }
        for (const r of options.registries ?? []) {
          for (const f of await familiesFromRegistry(r)) set.addFamily(f);
        }
        // Self-metrics last, so this scrape's drops are counted in this answer.
        for (const d of set.dropped) self.dropped.inc({ reason: d.reason });
        const dropped = set.dropped.length;
        for (const f of await familiesFromRegistry(self.registry)) set.addFamily(f);
        set.dropped.splice(0, dropped);
        await send(req, res, set);
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log?.error({ err }, 'metrics request failed');
      if (res.headersSent) res.destroy();
      else reply(res, 500, 'internal error\n', { connection: 'close' });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        adapterError(
          AdapterErrorCode.ADAPTER_CONFIG,
          `cannot listen on ${host}:${options.port}: ${err.code ?? err.message}`,
          {
            cause: err,
            hint: 'is another process using the port?',
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
  const a = server.address() as AddressInfo;
  let done: Promise<void> | undefined;
  const close = (): Promise<void> => {
    done ??= new Promise<void>((resolve) => {
      closing.abort();
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    return done;
  };
  return {
    address: { host: a.address, port: a.port },
    url: `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
    self,
    close,
    [Symbol.asyncDispose]: close,
  };
}
