import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Metrics derived from logs (prom-client, private registry): lines by result, and for access
 * logs requests by status and a latency histogram from `request_time`.
 */
export class LogMetrics {
  readonly registry = new Registry();
  readonly lines: Counter;
  readonly requests: Counter;
  readonly latency: Histogram;

  constructor(namespace = 'log') {
    this.lines = new Counter({
      name: `${namespace}_lines_total`,
      help: 'Log lines read, by result (parsed or parse_error).',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.requests = new Counter({
      name: `${namespace}_http_requests_total`,
      help: 'HTTP requests seen in access logs, by status code.',
      labelNames: ['status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: `${namespace}_http_request_duration_seconds`,
      help: 'Request time from access logs that carry it.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  observe(fields: Record<string, unknown> | undefined): void {
    if (fields === undefined) {
      this.lines.inc({ result: 'parse_error' });
      return;
    }
    this.lines.inc({ result: 'parsed' });
    if (typeof fields['status'] === 'number')
      this.requests.inc({ status: String(fields['status']) });
    if (typeof fields['request_time'] === 'number') this.latency.observe(fields['request_time']);
  }
}
