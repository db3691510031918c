import type {
  Bucket,
  HistogramPoint,
  Labels,
  MetricFamily,
  MetricType,
  Quantile,
  ScalarPoint,
  SummaryPoint,
} from './model.js';
import { isValidLabelName, isValidMetricName } from './names.js';

/** Why an input was refused; the endpoint counts these instead of failing. */
export type DropReason =
  'invalid_name' | 'invalid_label' | 'collision' | 'duplicate_series' | 'invalid_value';

export interface Dropped {
  readonly reason: DropReason;
  readonly metric: string;
  readonly detail: string;
}

interface FamilyState {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly points: Map<string, ScalarPoint | HistogramPoint | SummaryPoint>;
}

/**
 * The sample names a family owns in either format. Two families whose sets meet would
 * produce ambiguous output (`foo_total` the counter vs `foo` the gauge are both family `foo`
 * in OpenMetrics; a gauge `x_bucket` next to histogram `x`), so the second is refused.
 */
export function ownedNames(name: string, type: MetricType): string[] {
  switch (type) {
    case 'counter': {
      const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
      return [name, base, `${base}_total`, `${base}_created`];
    }
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`, `${name}_created`];
    case 'summary':
      return [name, `${name}_sum`, `${name}_count`, `${name}_created`];
    default:
      return [name];
  }
}

/** A stable key for a label set (names sorted). */
export function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/**
 * One scrape's worth of metric families, built by sources and served once. Every input is
 * checked as it is added: invalid names or labels, name/suffix collisions, type changes,
 * duplicate series and impossible values are refused and recorded in `dropped`, never
 * thrown, so one bad input cannot break the endpoint. `families()` is deterministic:
 * families sorted by name, series by their label set.
 *
 * @example
 *   const set = new MetricSet();
 *   set.gauge('redis_connected_clients', 'Connected clients', {}, 3);
 *   encodeText(set.families());
 */
export class MetricSet {
  readonly dropped: Dropped[] = [];
  readonly #families = new Map<string, FamilyState>();
  readonly #owners = new Map<string, string>();

  counter(name: string, help: string, labels: Labels, value: number, createdSeconds?: number) {
    if (Number.isNaN(value) || value < 0) {
      return this.#drop('invalid_value', name, `counter value ${value} is negative or NaN`);
    }
    return this.#add(name, 'counter', help, labels, { labels, value, createdSeconds });
  }

  gauge(name: string, help: string, labels: Labels, value: number, timestampMs?: number) {
    return this.#add(name, 'gauge', help, labels, { labels, value, timestampMs });
  }

  untyped(name: string, help: string, labels: Labels, value: number, timestampMs?: number) {
    return this.#add(name, 'untyped', help, labels, { labels, value, timestampMs });
  }

  /** Buckets are cumulative; a missing +Inf bucket is added with `count`. */
  histogram(
    name: string,
    help: string,
    labels: Labels,
    h: {
      buckets: readonly Bucket[];
      sum: number;
      count: number;
      createdSeconds?: number | undefined;
    },
  ): boolean {
    if ('le' in labels) return this.#drop('invalid_label', name, 'a histogram cannot have le');
    const buckets = [...h.buckets];
    const last = buckets.at(-1);
    if (last?.le !== Infinity) buckets.push({ le: Infinity, count: h.count });
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      const prev = buckets[i - 1];
      if (b === undefined || Number.isNaN(b.le) || Number.isNaN(b.count) || b.count < 0) {
        return this.#drop('invalid_value', name, 'a bucket bound or count is NaN or negative');
      }
      if (prev !== undefined && (b.le <= prev.le || b.count < prev.count)) {
        return this.#drop('invalid_value', name, 'buckets are not ascending and cumulative');
      }
    }
    if (buckets.at(-1)?.count !== h.count) {
      return this.#drop('invalid_value', name, 'the +Inf bucket is not equal to the count');
    }
    return this.#add(name, 'histogram', help, labels, {
      labels,
      buckets,
      sum: h.sum,
      count: h.count,
      createdSeconds: h.createdSeconds,
    });
  }

  summary(
    name: string,
    help: string,
    labels: Labels,
    s: {
      quantiles: readonly Quantile[];
      sum: number;
      count: number;
      createdSeconds?: number | undefined;
    },
  ): boolean {
    if ('quantile' in labels) {
      return this.#drop('invalid_label', name, 'a summary cannot have quantile');
    }
    const qs = [...s.quantiles].sort((a, b) => a.quantile - b.quantile);
    if (qs.some((q) => !(q.quantile >= 0 && q.quantile <= 1))) {
      return this.#drop('invalid_value', name, 'a quantile is outside [0, 1]');
    }
    if (Number.isNaN(s.count) || s.count < 0) {
      return this.#drop('invalid_value', name, 'the count is negative or NaN');
    }
    return this.#add(name, 'summary', help, labels, {
      labels,
      quantiles: qs,
      sum: s.sum,
      count: s.count,
      createdSeconds: s.createdSeconds,
    });
  }

  /** Adds every point of a family (e.g. from prom-client or a parsed exposition). */
  addFamily(f: MetricFamily): void {
    switch (f.type) {
      case 'histogram':
        for (const p of f.points) this.histogram(f.name, f.help, p.labels, p);
        break;
      case 'summary':
        for (const p of f.points) this.summary(f.name, f.help, p.labels, p);
        break;
      case 'counter':
        for (const p of f.points) this.counter(f.name, f.help, p.labels, p.value, p.createdSeconds);
        break;
      case 'gauge':
        for (const p of f.points) this.gauge(f.name, f.help, p.labels, p.value, p.timestampMs);
        break;
      case 'untyped':
        for (const p of f.points) this.untyped(f.name, f.help, p.labels, p.value, p.timestampMs);
        break;
    }
  }

  /**
   * Declares a family with no series yet, so that its names are taken (a registration).
   * Returns false (and records why) when it collides.
   */
  declare(name: string, type: MetricType, help: string): boolean {
    return this.#family(name, type, help) !== undefined;
  }

  /** The families in deterministic order (by name; series by label set). */
  families(): MetricFamily[] {
    return [...this.#families.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((f) => {
        const points = [...f.points.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, p]) => p);
        return { name: f.name, type: f.type, help: f.help, points } as MetricFamily;
      });
  }

  #family(name: string, type: MetricType, help: string): FamilyState | undefined {
    const existing = this.#families.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) {
        this.#drop('collision', name, `already a ${existing.type}, not a ${type}`);
        return undefined;
      }
      return existing;
    }
    if (!isValidMetricName(name)) {
      this.#drop('invalid_name', name, 'not a valid metric name');
      return undefined;
    }
    const owned = ownedNames(name, type);
    for (const n of owned) {
      const owner = this.#owners.get(n);
      if (owner !== undefined) {
        this.#drop('collision', name, `${n} is already a sample name of ${owner}`);
        return undefined;
      }
    }
    for (const n of owned) this.#owners.set(n, name);
    const f: FamilyState = { name, type, help, points: new Map() };
    this.#families.set(name, f);
    return f;
  }

  #add(
    name: string,
    type: MetricType,
    help: string,
    labels: Labels,
    point: ScalarPoint | HistogramPoint | SummaryPoint,
  ): boolean {
    for (const [k, v] of Object.entries(labels)) {
      if (!isValidLabelName(k)) return this.#drop('invalid_label', name, `label name "${k}"`);
      if (typeof v !== 'string') return this.#drop('invalid_label', name, `label "${k}" value`);
    }
    const f = this.#family(name, type, help);
    if (f === undefined) return false;
    const key = labelKey(labels);
    if (f.points.has(key)) return this.#drop('duplicate_series', name, `{${key}} twice`);
    f.points.set(key, point);
    return true;
  }

  #drop(reason: DropReason, metric: string, detail: string): false {
    this.dropped.push({ reason, metric, detail });
    return false;
  }
}
