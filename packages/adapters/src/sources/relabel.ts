import { adapterError, AdapterErrorCode } from '../errors.js';
import type { Labels, MetricFamily } from '../exposition/model.js';
import { asArray, asRecord, asString } from './mapping-config.js';

export interface RelabelRule {
  action: 'replace' | 'keep' | 'drop' | 'labeldrop' | 'labelkeep';
  sourceLabels: string[];
  separator: string;
  regex: RegExp;
  targetLabel: string;
  replacement: string;
}

/**
 * Parses Prometheus-style `metric_relabel_configs` (actions replace, keep, drop, labeldrop,
 * labelkeep; `__name__` is the family name, so a replace into `__name__` renames).
 */
export function parseRelabelRules(doc: unknown, where = 'relabel'): RelabelRule[] {
  return asArray(doc, where).map((x, i) => {
    const w = `${where}[${i}]`;
    const r = asRecord(x, w);
    const action = asString(r['action'], `${w}.action`, 'replace');
    if (!['replace', 'keep', 'drop', 'labeldrop', 'labelkeep'].includes(action)) {
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `${w}.action: "${action}" is not supported`,
        {
          hint: 'use replace, keep, drop, labeldrop or labelkeep',
        },
      );
    }
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${asString(r['regex'], `${w}.regex`, '(.*)')})$`);
    } catch (err) {
      throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `${w}.regex: ${(err as Error).message}`);
    }
    const targetLabel = asString(r['target_label'], `${w}.target_label`, '');
    if (action === 'replace' && targetLabel === '') {
      throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `${w}: replace needs target_label`);
    }
    return {
      action: action as RelabelRule['action'],
      sourceLabels: asArray(r['source_labels'], `${w}.source_labels`).map((s, j) =>
        asString(s, `${w}.source_labels[${j}]`),
      ),
      separator: asString(r['separator'], `${w}.separator`, ';'),
      regex,
      targetLabel,
      replacement: asString(r['replacement'], `${w}.replacement`, '$1'),
    };
  });
}

function expand(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(?:\{(\w+)\}|(\d+))/g,
    (_x, a: string | undefined, b: string | undefined) => {
      const k = a ?? b ?? '';
      return (/^\d+$/.test(k) ? m[Number(k)] : m.groups?.[k]) ?? '';
    },
  );
}

/** Applies rules to one series (`__name__` included); undefined means dropped. */
export function relabel(
  labels: Labels,
  rules: readonly RelabelRule[],
): Record<string, string> | undefined {
  const out = new Map(Object.entries(labels));
  for (const r of rules) {
    const value = r.sourceLabels.map((l) => out.get(l) ?? '').join(r.separator);
    switch (r.action) {
      case 'keep':
        if (!r.regex.test(value)) return undefined;
        break;
      case 'drop':
        if (r.regex.test(value)) return undefined;
        break;
      case 'labeldrop':
        for (const k of [...out.keys()]) if (k !== '__name__' && r.regex.test(k)) out.delete(k);
        break;
      case 'labelkeep':
        for (const k of [...out.keys()]) if (k !== '__name__' && !r.regex.test(k)) out.delete(k);
        break;
      case 'replace': {
        const m = r.regex.exec(value);
        if (m === null) break;
        const target = expand(r.targetLabel, m);
        const v = expand(r.replacement, m);
        if (v === '') out.delete(target);
        else out.set(target, v);
        break;
      }
    }
  }
  return Object.fromEntries(out);
}

/**
 * Relabels every series of every family; a series whose `__name__` changes moves to a
 * family of that name (with the same type and help). Collisions this creates are refused
 * later by MetricSet like any other.
 */
export function relabelFamilies(
  families: readonly MetricFamily[],
  rules: readonly RelabelRule[],
): MetricFamily[] {
  if (rules.length === 0) return [...families];
  const out = new Map<
    string,
    { name: string; type: MetricFamily['type']; help: string; points: unknown[] }
  >();
  for (const f of families) {
    for (const p of f.points) {
      const labels = relabel({ ...p.labels, __name__: f.name }, rules);
      if (labels === undefined) continue;
      const { __name__: name = f.name, ...rest } = labels;
      const key = `${name}\u0000${f.type}`;
      const target = out.get(key) ?? { name, type: f.type, help: f.help, points: [] };
      out.set(key, target);
      target.points.push({ ...p, labels: rest });
    }
  }
  return [...out.values()] as MetricFamily[];
}
