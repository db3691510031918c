import type { MetricSet } from '../exposition/metric-set.js';

/**
 * A pull source: on each scrape it reads one target (a Redis address, a URL) and adds
 * fresh families to `set`. It throws when the target cannot be read; the scrape then
 * serves `<namespace>_up 0` and nothing else from it, so no stale or partial values.
 */
export interface TargetSource {
  /** Metric name prefix, e.g. `redis`; `<namespace>_up` says whether the read worked. */
  readonly namespace: string;
  collect(set: MetricSet, target: string, signal: AbortSignal): Promise<void>;
}
