import { adapterError, AdapterErrorCode } from '../errors.js';
import type { MetricSet } from '../exposition/metric-set.js';
import { isValidLabelName, isValidMetricName } from '../exposition/names.js';
import { httpGet, type HttpAuth } from './http-get.js';
import { compileJsonPath } from './jsonpath.js';
import { asArray, asRecord, asString, asStringMap } from './mapping-config.js';
import type { TargetSource } from './source.js';

type Extract = (root: unknown) => unknown[];

interface LabelRule {
  name: string;
  /** A path evaluated on each selected object, or a static value. */
  path?: Extract;
  value?: string;
}

export interface JsonMetric {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'untyped';
  /** `value`: the path selects numbers. `object`: it selects objects; `values` name fields. */
  kind: 'value' | 'object';
  path: Extract;
  labels: LabelRule[];
  /** For `object`: suffix → path (relative) or a constant number. */
  values: { suffix: string; path?: Extract; constant?: number }[];
}

const isPath = (s: string): boolean => s.startsWith('$') || s.startsWith('{') || s.startsWith('.');

/**
 * Parses a json_exporter-style module: `metrics: [{ name, help, type: value|object, path,
 * labels: {name: path-or-static}, values: {suffix: path-or-number}, valuetype:
 * gauge|counter|untyped }]`. Invalid names and paths fail at start-up (ADAPTER_CONFIG).
 */
export function parseJsonMapping(doc: unknown): JsonMetric[] {
  const root = asRecord(doc, 'json mapping');
  return asArray(root['metrics'], 'metrics').map((m, i) => {
    const where = `metrics[${i}]`;
    const r = asRecord(m, where);
    const name = asString(r['name'], `${where}.name`);
    if (!isValidMetricName(name))
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `${where}.name: "${name}" is not a valid metric name`,
      );
    const kind = asString(r['type'], `${where}.type`, 'value');
    if (kind !== 'value' && kind !== 'object')
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `${where}.type: expected value or object`,
      );
    const type = asString(r['valuetype'], `${where}.valuetype`, 'untyped');
    if (type !== 'gauge' && type !== 'counter' && type !== 'untyped') {
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `${where}.valuetype: expected gauge, counter or untyped`,
      );
    }
    const labels = Object.entries(asStringMap(r['labels'], `${where}.labels`)).map(
      ([k, v]): LabelRule => {
        if (!isValidLabelName(k))
          throw adapterError(
            AdapterErrorCode.ADAPTER_CONFIG,
            `${where}.labels: "${k}" is not a valid label name`,
          );
        return isPath(v) ? { name: k, path: compileJsonPath(v) } : { name: k, value: v };
      },
    );
    const values = Object.entries(asStringMap(r['values'], `${where}.values`)).map(([suffix, v]) =>
      isPath(v) ? { suffix, path: compileJsonPath(v) } : { suffix, constant: Number(v) },
    );
    if (kind === 'object' && values.length === 0)
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `${where}: an object metric needs values`,
      );
    return {
      name,
      help: asString(r['help'], `${where}.help`, name),
      type,
      kind,
      path: compileJsonPath(asString(r['path'], `${where}.path`)),
      labels,
      values,
    };
  });
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

function labelsFor(rules: LabelRule[], scope: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rules) {
    const v = r.path === undefined ? r.value : r.path(scope)[0];
    out[r.name] =
      typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
  }
  return out;
}

/** Applies the mapping to one JSON document; values that are not numbers are dropped and counted. */
export function mapJson(set: MetricSet, doc: unknown, metrics: readonly JsonMetric[]): void {
  for (const m of metrics) {
    const add = (name: string, labels: Record<string, string>, raw: unknown): void => {
      const n = toNumber(raw);
      if (n === undefined) {
        set.dropped.push({ reason: 'invalid_value', metric: name, detail: 'not a number' });
        return;
      }
      if (m.type === 'counter') set.counter(name, m.help, labels, n);
      else if (m.type === 'gauge') set.gauge(name, m.help, labels, n);
      else set.untyped(name, m.help, labels, n);
    };
    for (const selected of m.path(doc)) {
      if (m.kind === 'value') {
        add(m.name, labelsFor(m.labels, doc), selected);
        continue;
      }
      const labels = labelsFor(m.labels, selected);
      for (const v of m.values) {
        add(
          `${m.name}_${v.suffix}`,
          labels,
          v.path === undefined ? v.constant : v.path(selected)[0],
        );
      }
    }
  }
}

/** JSON over HTTP with a JSONPath mapping (like json_exporter). Targets are URLs. */
export class JsonSource implements TargetSource {
  readonly namespace: string;
  readonly #metrics: readonly JsonMetric[];
  readonly #auth: HttpAuth;

  constructor(options: {
    metrics: readonly JsonMetric[];
    namespace?: string | undefined;
    auth?: HttpAuth | undefined;
  }) {
    this.namespace = options.namespace ?? 'json';
    this.#metrics = options.metrics;
    this.#auth = options.auth ?? {};
  }

  async collect(set: MetricSet, target: string, signal: AbortSignal): Promise<void> {
    const text = await httpGet(target, { signal, auth: this.#auth, accept: 'application/json' });
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw adapterError(
        AdapterErrorCode.ADAPTER_UPSTREAM,
        `the response is not JSON: ${(err as Error).message}`,
        { cause: err },
      );
    }
    mapJson(set, doc, this.#metrics);
  }
}
