// OpenMetrics 1.0.0, apart from the text format: the metrics server loads this module on the
// first scrape that asks for OpenMetrics (negotiate), so an adapter scraped in text 0.0.4, or
// run with --text-only, never loads it.
import {
  OPENMETRICS_CONTENT_TYPE,
  TEXT_CONTENT_TYPE,
  canonicalNumber,
  encodeText,
  escapeHelp,
  formatValue,
  labelText,
  type ExpositionFormat,
} from './encode.js';
import type { MetricFamily } from './model.js';

/**
 * OpenMetrics 1.0.0: counter family `foo` with samples `foo_total` (and `foo_created` when
 * known), `unknown` for untyped, canonical `le`/`quantile`, timestamps in seconds, no blank
 * lines, ending with `# EOF`.
 */
export function encodeOpenMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.points.length === 0) continue;
    const name =
      f.type === 'counter' && f.name.endsWith('_total')
        ? f.name.slice(0, -'_total'.length)
        : f.name;
    out.push(`# TYPE ${name} ${f.type === 'untyped' ? 'unknown' : f.type}`);
    if (f.help !== '') out.push(`# HELP ${name} ${escapeHelp(f.help, true)}`);
    switch (f.type) {
      case 'counter':
        for (const p of f.points) {
          out.push(`${name}_total${labelText(p.labels)} ${formatValue(p.value)}`);
          if (p.createdSeconds !== undefined) {
            out.push(`${name}_created${labelText(p.labels)} ${formatValue(p.createdSeconds)}`);
          }
        }
        break;
      case 'histogram':
        for (const p of f.points) {
          for (const b of p.buckets) {
            out.push(
              `${name}_bucket${labelText(p.labels, ['le', canonicalNumber(b.le)])} ${b.count}`,
            );
          }
          out.push(`${name}_sum${labelText(p.labels)} ${formatValue(p.sum)}`);
          out.push(`${name}_count${labelText(p.labels)} ${formatValue(p.count)}`);
          if (p.createdSeconds !== undefined) {
            out.push(`${name}_created${labelText(p.labels)} ${formatValue(p.createdSeconds)}`);
          }
        }
        break;
      case 'summary':
        for (const p of f.points) {
          for (const q of p.quantiles) {
            const l = labelText(p.labels, ['quantile', canonicalNumber(q.quantile)]);
            out.push(`${name}${l} ${formatValue(q.value)}`);
          }
          out.push(`${name}_sum${labelText(p.labels)} ${formatValue(p.sum)}`);
          out.push(`${name}_count${labelText(p.labels)} ${formatValue(p.count)}`);
          if (p.createdSeconds !== undefined) {
            out.push(`${name}_created${labelText(p.labels)} ${formatValue(p.createdSeconds)}`);
          }
        }
        break;
      default:
        for (const p of f.points) {
          const ts = p.timestampMs === undefined ? '' : ` ${formatValue(p.timestampMs / 1000)}`;
          out.push(`${name}${labelText(p.labels)} ${formatValue(p.value)}${ts}`);
        }
    }
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/** Encodes in `format`; see encodeText / encodeOpenMetrics. */
export function encode(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
): { body: string; contentType: string } {
  return format === 'openmetrics-1.0.0'
    ? { body: encodeOpenMetrics(families), contentType: OPENMETRICS_CONTENT_TYPE }
    : { body: encodeText(families), contentType: TEXT_CONTENT_TYPE };
}
