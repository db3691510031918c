import type { Registry } from 'prom-client';
import type { Bucket, Labels, MetricFamily, Quantile } from './model.js';

interface PromValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

function stringLabels(labels: Record<string, string | number>, omit?: string): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== omit) out[k] = String(v);
  return out;
}

function groupKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Reads a prom-client registry into our model, so its stateful instruments (self-metrics,
 * StatsD, log-derived metrics) go through the same encoder and checks as everything else.
 * Uses each metric's `get()` rather than `getMetricsAsJSON()`, which turns NaN into null.
 */
export async function familiesFromRegistry(registry: Registry): Promise<MetricFamily[]> {
  const out: MetricFamily[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    // The typings omit get(), which every prom-client metric has.
    const m = (await (metric as unknown as { get(): Promise<unknown> }).get()) as {
      name: string;
      help: string;
      type: string;
      values: PromValue[];
    };
    if (m.type === 'histogram') {
      const series = new Map<
        string,
        { labels: Labels; buckets: Bucket[]; sum: number; count: number }
      >();
      for (const v of m.values) {
        const labels = stringLabels(v.labels, 'le');
        const key = groupKey(labels);
        let s = series.get(key);
        if (s === undefined) {
          s = { labels, buckets: [], sum: 0, count: 0 };
          series.set(key, s);
        }
        if (v.metricName === `${m.name}_bucket`) {
          const le = v.labels['le'];
          s.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: v.value });
        } else if (v.metricName === `${m.name}_sum`) s.sum = v.value;
        else if (v.metricName === `${m.name}_count`) s.count = v.value;
      }
      out.push({ name: m.name, help: m.help, type: 'histogram', points: [...series.values()] });
    } else if (m.type === 'summary') {
      const series = new Map<
        string,
        { labels: Labels; quantiles: Quantile[]; sum: number; count: number }
      >();
      for (const v of m.values) {
        const labels = stringLabels(v.labels, 'quantile');
        const key = groupKey(labels);
        let s = series.get(key);
        if (s === undefined) {
          s = { labels, quantiles: [], sum: 0, count: 0 };
          series.set(key, s);
        }
        if (v.metricName === `${m.name}_sum`) s.sum = v.value;
        else if (v.metricName === `${m.name}_count`) s.count = v.value;
        else s.quantiles.push({ quantile: Number(v.labels['quantile']), value: v.value });
      }
      out.push({ name: m.name, help: m.help, type: 'summary', points: [...series.values()] });
    } else {
      const type = m.type === 'counter' || m.type === 'gauge' ? m.type : 'untyped';
      const points = m.values.map((v) => ({ labels: stringLabels(v.labels), value: v.value }));
      out.push({ name: m.name, help: m.help, type, points });
    }
  }
  return out;
}
