import { adapterError, AdapterErrorCode } from '../errors.js';
import type { MetricSet } from '../exposition/metric-set.js';
import { httpGet, type HttpAuth } from './http-get.js';
import type { TargetSource } from './source.js';

export interface StubStatus {
  active: number;
  accepts: number;
  handled: number;
  requests: number;
  reading: number;
  writing: number;
  waiting: number;
}

const STUB =
  /Active connections:\s*(\d+)\s*\nserver accepts handled requests\s*\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\nReading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)/;

/** Parses nginx's stub_status page; throws ADAPTER_UPSTREAM when it is something else. */
export function parseStubStatus(text: string): StubStatus {
  const m = STUB.exec(text);
  if (m === null)
    throw adapterError(
      AdapterErrorCode.ADAPTER_UPSTREAM,
      'the response is not an nginx stub_status page',
    );
  const n = (i: number): number => Number(m[i]);
  return {
    active: n(1),
    accepts: n(2),
    handled: n(3),
    requests: n(4),
    reading: n(5),
    writing: n(6),
    waiting: n(7),
  };
}

/** Adds nginx-prometheus-exporter's families for one stub_status reading. */
export function mapStubStatus(set: MetricSet, s: StubStatus, ns = 'nginx'): void {
  set.gauge(`${ns}_connections_active`, 'Active client connections', {}, s.active);
  set.gauge(
    `${ns}_connections_reading`,
    'Connections where NGINX is reading the request header',
    {},
    s.reading,
  );
  set.gauge(
    `${ns}_connections_writing`,
    'Connections where NGINX is writing the response back to the client',
    {},
    s.writing,
  );
  set.gauge(`${ns}_connections_waiting`, 'Idle client connections', {}, s.waiting);
  set.counter(`${ns}_connections_accepted`, 'Accepted client connections', {}, s.accepts);
  set.counter(`${ns}_connections_handled`, 'Handled client connections', {}, s.handled);
  set.counter(`${ns}_http_requests_total`, 'Total http requests', {}, s.requests);
}

/** nginx `stub_status` over HTTP → nginx-prometheus-exporter's names. Targets are URLs. */
export class NginxSource implements TargetSource {
  readonly namespace: string;
  readonly #auth: HttpAuth;

  constructor(options: { namespace?: string | undefined; auth?: HttpAuth | undefined } = {}) {
    this.namespace = options.namespace ?? 'nginx';
    this.#auth = options.auth ?? {};
  }

  async collect(set: MetricSet, target: string, signal: AbortSignal): Promise<void> {
    const text = await httpGet(target, { signal, auth: this.#auth });
    mapStubStatus(set, parseStubStatus(text), this.namespace);
  }
}
