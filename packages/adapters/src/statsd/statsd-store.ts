import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { DropReason } from '../exposition/metric-set.js';
import { ownedNames } from '../exposition/metric-set.js';
import type { MetricType } from '../exposition/model.js';
import { isValidLabelName, isValidMetricName } from '../exposition/names.js';
import { parseStatsdLine } from './statsd-line.js';
import type { StatsdMapper } from './statsd-mapping.js';

type Instrument =
  | { type: 'counter'; labelNames: string[]; metric: Counter }
  | { type: 'gauge'; labelNames: string[]; metric: Gauge }
  | { type: 'histogram' | 'summary'; labelNames: string[]; metric: Histogram | Summary };

/**
 * Holds StatsD-fed metrics in a private prom-client registry. A metric is registered on its
 * first event; a later event that would change its type or label names, or whose name
 * collides with another metric's samples (`x` vs `x_count`), is refused and counted — one
 * bad input never breaks the endpoint (the statsd_exporter lesson).
 */
export class StatsdStore {
  readonly registry = new Registry();
  readonly #instruments = new Map<string, Instrument>();
  readonly #owners = new Map<string, string>();
  readonly #mapper: StatsdMapper;
  readonly #onEvent: (
    outcome: 'accepted' | DropReason | 'parse_error' | 'dropped_by_mapping',
  ) => void;

  constructor(
    mapper: StatsdMapper,
    onEvent: (
      outcome: 'accepted' | DropReason | 'parse_error' | 'dropped_by_mapping',
    ) => void = () => undefined,
  ) {
    this.#mapper = mapper;
    this.#onEvent = onEvent;
  }

  /** Handles a datagram or TCP line batch: one event per non-empty line. */
  ingest(text: string): void {
    for (const line of text.split('\n')) {
      const l = line.trim();
      if (l !== '') this.#onEvent(this.#line(l));
    }
  }

  #line(line: string): 'accepted' | DropReason | 'parse_error' | 'dropped_by_mapping' {
    const parsed = parseStatsdLine(line);
    if (!parsed.ok) return 'parse_error';
    const e = parsed.event;
    const mapped = this.#mapper.map(e.name, e.tags);
    if (mapped === undefined) return 'dropped_by_mapping';
    const type: MetricType = e.type === 'observer' ? mapped.observer.type : e.type;
    if (!isValidMetricName(mapped.name)) return 'invalid_name';
    const labelNames = Object.keys(mapped.labels).sort();
    if (!labelNames.every(isValidLabelName)) return 'invalid_label';
    let inst = this.#instruments.get(mapped.name);
    if (inst === undefined) {
      const owned = ownedNames(mapped.name, type);
      if (owned.some((n) => this.#owners.has(n))) return 'collision';
      const common = {
        name: mapped.name,
        help: `StatsD metric ${mapped.name}`,
        labelNames,
        registers: [this.registry],
      };
      switch (type) {
        case 'counter':
          inst = { type, labelNames, metric: new Counter(common) };
          break;
        case 'gauge':
          inst = { type, labelNames, metric: new Gauge(common) };
          break;
        case 'histogram':
          inst = {
            type,
            labelNames,
            metric: new Histogram({ ...common, buckets: mapped.observer.buckets }),
          };
          break;
        default:
          inst = {
            type: 'summary',
            labelNames,
            metric: new Summary({
              ...common,
              percentiles: mapped.observer.quantiles,
              maxAgeSeconds: 600,
              ageBuckets: 5,
            }),
          };
      }
      for (const n of owned) this.#owners.set(n, mapped.name);
      this.#instruments.set(mapped.name, inst);
    }
    if (inst.type !== type) return 'collision';
    if (inst.labelNames.join(',') !== labelNames.join(',')) return 'invalid_label';
    switch (inst.type) {
      case 'counter':
        if (e.value < 0) return 'invalid_value';
        inst.metric.inc(mapped.labels, e.value);
        break;
      case 'gauge':
        if (e.relative) inst.metric.inc(mapped.labels, e.value);
        else inst.metric.set(mapped.labels, e.value);
        break;
      default:
        inst.metric.observe(mapped.labels, e.value);
    }
    return 'accepted';
  }
}
