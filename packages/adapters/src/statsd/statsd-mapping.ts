import { adapterError, AdapterErrorCode } from '../errors.js';
import { isValidLabelName, sanitizeLabelName, sanitizeMetricName } from '../exposition/names.js';
import { asArray, asRecord, asString, asStringMap } from '../sources/mapping-config.js';

export interface ObserverOptions {
  type: 'summary' | 'histogram';
  buckets: number[];
  quantiles: number[];
}

interface Mapping {
  regex: RegExp;
  action: 'map' | 'drop';
  name: string;
  labels: Record<string, string>;
  observer?: Partial<ObserverOptions> | undefined;
}

export interface Mapped {
  name: string;
  labels: Record<string, string>;
  observer: ObserverOptions;
}

/** A glob where `*` is one dot-separated component, as statsd_exporter reads it. */
function globToRegex(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^.]*)');
  return new RegExp(`^${body}$`);
}

function expand(t: string, m: RegExpExecArray): string {
  return t.replace(/\$\{?(\d+)\}?/g, (_x, n: string) => m[Number(n)] ?? '');
}

const DEFAULT_OBSERVER: ObserverOptions = {
  type: 'summary',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  quantiles: [0.5, 0.9, 0.99],
};

function observerOptions(r: Record<string, unknown>, where: string): Partial<ObserverOptions> {
  const out: Partial<ObserverOptions> = {};
  if (r['observer_type'] !== undefined) {
    const t = asString(r['observer_type'], `${where}.observer_type`);
    if (t !== 'summary' && t !== 'histogram')
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `${where}.observer_type: expected summary or histogram`,
      );
    out.type = t;
  }
  if (r['buckets'] !== undefined)
    out.buckets = asArray(r['buckets'], `${where}.buckets`).map(Number);
  if (r['quantiles'] !== undefined)
    out.quantiles = asArray(r['quantiles'], `${where}.quantiles`).map(Number);
  return out;
}

/**
 * statsd_exporter-style mapping: `mappings: [{ match, match_type: glob|regex, name, labels,
 * action: map|drop, observer_type, buckets, quantiles }]` and `defaults`. The first match
 * wins; `$1`… in name and labels are the glob's components or the regex's groups. An
 * unmatched name is sanitised (`a.b-c` → `a_b_c`); DogStatsD tags become labels.
 */
export class StatsdMapper {
  readonly #mappings: Mapping[];
  readonly #defaults: ObserverOptions;

  constructor(doc: unknown = {}) {
    const root = asRecord(doc ?? {}, 'statsd mapping');
    this.#defaults = {
      ...DEFAULT_OBSERVER,
      ...observerOptions(asRecord(root['defaults'] ?? {}, 'defaults'), 'defaults'),
    };
    this.#mappings = asArray(root['mappings'], 'mappings').map((x, i) => {
      const where = `mappings[${i}]`;
      const r = asRecord(x, where);
      const match = asString(r['match'], `${where}.match`);
      const matchType = asString(r['match_type'], `${where}.match_type`, 'glob');
      let regex: RegExp;
      try {
        regex = matchType === 'regex' ? new RegExp(match) : globToRegex(match);
      } catch (err) {
        throw adapterError(
          AdapterErrorCode.ADAPTER_CONFIG,
          `${where}.match: ${(err as Error).message}`,
        );
      }
      const action = asString(r['action'], `${where}.action`, 'map');
      if (action !== 'map' && action !== 'drop')
        throw adapterError(
          AdapterErrorCode.ADAPTER_CONFIG,
          `${where}.action: expected map or drop`,
        );
      const labels = asStringMap(r['labels'], `${where}.labels`);
      for (const k of Object.keys(labels)) {
        if (!isValidLabelName(k))
          throw adapterError(
            AdapterErrorCode.ADAPTER_CONFIG,
            `${where}.labels: "${k}" is not a valid label name`,
          );
      }
      return {
        regex,
        action,
        name: action === 'drop' ? '' : asString(r['name'], `${where}.name`),
        labels,
        observer: observerOptions(r, where),
      };
    });
  }

  /** The metric an event name and its tags map to, or undefined when a rule drops it. */
  map(statsdName: string, tags: Record<string, string>): Mapped | undefined {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags)) labels[sanitizeLabelName(k)] = v;
    for (const m of this.#mappings) {
      const hit = m.regex.exec(statsdName);
      if (hit === null) continue;
      if (m.action === 'drop') return undefined;
      for (const [k, v] of Object.entries(m.labels)) labels[k] = expand(v, hit);
      return { name: expand(m.name, hit), labels, observer: { ...this.#defaults, ...m.observer } };
    }
    return { name: sanitizeMetricName(statsdName), labels, observer: this.#defaults };
  }
}
