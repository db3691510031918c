import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The adapter's own metrics (prom-client, private registry): scrapes by result and their
 * duration, inputs dropped by reason, StatsD events and log lines by outcome.
 */
export class SelfMetrics {
  readonly registry = new Registry();
  readonly scrapes = new Counter({
    name: 'podkit_adapter_scrapes_total',
    help: 'Upstream scrapes by result (success or failure).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly scrapeDuration = new Histogram({
    name: 'podkit_adapter_scrape_duration_seconds',
    help: 'Time to read an upstream, successful or not.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'podkit_adapter_dropped_samples_total',
    help: 'Inputs refused instead of breaking the endpoint, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly statsdEvents = new Counter({
    name: 'podkit_adapter_statsd_events_total',
    help: 'StatsD lines received, by outcome (accepted or why refused).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
}
