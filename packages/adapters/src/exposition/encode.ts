import type { Labels, MetricFamily } from './model.js';

/** The two formats the endpoint speaks. */
export type ExpositionFormat = 'text-0.0.4' | 'openmetrics-1.0.0';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** A sample value: `NaN`, `+Inf`, `-Inf` or the shortest decimal that reads back exactly. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * OpenMetrics' canonical form for `le` and `quantile` label values: `1.0` not `1`, `+Inf`.
 * (Prometheus matches buckets across scrapes by these strings.)
 */
export function canonicalNumber(v: number): string {
  const s = formatValue(v);
  return Number.isInteger(v) && !s.includes('e') ? `${s}.0` : s;
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A family's help text, escaped for the format. */
export function escapeHelp(h: string, openMetrics: boolean): string {
  const s = h.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? s.replace(/"/g, '\\"') : s;
}

/** `{a="1",b="2"}` (sorted, escaped; `extra` last), or '' without labels. */
export function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabelValue(labels[k] ?? '')}"`);
  if (extra !== undefined) parts.push(`${extra[0]}="${extra[1]}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Prometheus text format 0.0.4: `# HELP`/`# TYPE` once per family before its samples,
 * families contiguous, label values and help escaped, the body ending in `\n`.
 */
export function encodeText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.points.length === 0) continue;
    if (f.help !== '') out.push(`# HELP ${f.name} ${escapeHelp(f.help, false)}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    switch (f.type) {
      case 'histogram':
        for (const p of f.points) {
          for (const b of p.buckets) {
            out.push(
              `${f.name}_bucket${labelText(p.labels, ['le', formatValue(b.le)])} ${b.count}`,
            );
          }
          out.push(`${f.name}_sum${labelText(p.labels)} ${formatValue(p.sum)}`);
          out.push(`${f.name}_count${labelText(p.labels)} ${formatValue(p.count)}`);
        }
        break;
      case 'summary':
        for (const p of f.points) {
          for (const q of p.quantiles) {
            const l = labelText(p.labels, ['quantile', formatValue(q.quantile)]);
            out.push(`${f.name}${l} ${formatValue(q.value)}`);
          }
          out.push(`${f.name}_sum${labelText(p.labels)} ${formatValue(p.sum)}`);
          out.push(`${f.name}_count${labelText(p.labels)} ${formatValue(p.count)}`);
        }
        break;
      default:
        for (const p of f.points) {
          const ts = p.timestampMs === undefined ? '' : ` ${Math.round(p.timestampMs)}`;
          out.push(`${f.name}${labelText(p.labels)} ${formatValue(p.value)}${ts}`);
        }
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
