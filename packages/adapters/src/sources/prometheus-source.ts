import type { MetricSet } from '../exposition/metric-set.js';
import { parseText } from '../exposition/parse-text.js';
import { httpGet, type HttpAuth } from './http-get.js';
import { relabelFamilies, type RelabelRule } from './relabel.js';
import type { TargetSource } from './source.js';

/**
 * Another endpoint's Prometheus text, renamed and relabelled (Prometheus'
 * metric_relabel_configs rules), then checked like every other input: a colliding or
 * malformed metric is dropped and counted, the rest is served.
 */
export class PrometheusSource implements TargetSource {
  readonly namespace: string;
  readonly #rules: readonly RelabelRule[];
  readonly #auth: HttpAuth;

  constructor(
    options: {
      rules?: readonly RelabelRule[] | undefined;
      namespace?: string | undefined;
      auth?: HttpAuth | undefined;
    } = {},
  ) {
    this.namespace = options.namespace ?? 'upstream';
    this.#rules = options.rules ?? [];
    this.#auth = options.auth ?? {};
  }

  async collect(set: MetricSet, target: string, signal: AbortSignal): Promise<void> {
    const text = await httpGet(target, {
      signal,
      auth: this.#auth,
      accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1',
    });
    const families = parseText(text, (line, why) => {
      set.dropped.push({ reason: 'invalid_value', metric: line.slice(0, 80), detail: why });
    });
    for (const f of relabelFamilies(families, this.#rules)) set.addFamily(f);
  }
}
