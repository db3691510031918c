const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `[a-zA-Z_:][a-zA-Z0-9_:]*` — the name both exposition formats accept without escaping. */
export function isValidMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** `[a-zA-Z_][a-zA-Z0-9_]*` and not starting with `__` (reserved for Prometheus itself). */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}

/**
 * Turns an arbitrary name (a StatsD key, a JSON field) into a valid metric name the way
 * statsd_exporter does: every invalid character becomes `_`, a leading digit gets a `_`.
 *
 * @example sanitizeMetricName('api.req-count') // 'api_req_count'
 */
export function sanitizeMetricName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s === '' ? '_' : s;
}

/** Like sanitizeMetricName for label names (no `:`; a leading `__` is kept reserved). */
export function sanitizeLabelName(name: string): string {
  let s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(s) || s === '') s = `_${s}`;
  return s.startsWith('__') ? s.replace(/^_+/, 'l_') : s;
}
