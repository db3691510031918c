import type { ExpositionFormat } from './encode.js';

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
  order: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(',').forEach((part, order) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    if (type === '') return;
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) {
        params.set(
          p.slice(0, eq).trim().toLowerCase(),
          p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        );
      }
    }
    const q = Number(params.get('q') ?? '1');
    ranges.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, order });
  });
  return ranges;
}

/** What a media range offers us: a format, or nothing we can serve. */
function formatFor(r: MediaRange): ExpositionFormat | undefined {
  const version = r.params.get('version');
  if (r.type === 'application/openmetrics-text') {
    // 0.0.1 is the draft Prometheus 2 still lists; its text is 1.0.0's.
    return version === undefined || version === '1.0.0' || version === '0.0.1'
      ? 'openmetrics-1.0.0'
      : undefined;
  }
  if (r.type === 'text/plain') {
    // Prometheus 3 also offers text/plain;version=1.0.0 (UTF-8 names): not spoken here.
    return version === undefined || version === '0.0.4' ? 'text-0.0.4' : undefined;
  }
  if (r.type === '*/*' || r.type === 'text/*') return 'text-0.0.4';
  return undefined;
}

/**
 * Picks the exposition format from an Accept header, like client_golang: the acceptable
 * range with the highest q wins (earlier on ties); OpenMetrics 1.0.0 and 0.0.1 requests get
 * OpenMetrics 1.0.0, Prometheus 3's `escaping=` parameters are accepted (our names need no
 * escaping); a missing or unknown Accept gets text 0.0.4.
 *
 * @example negotiate('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5') // 'openmetrics-1.0.0'
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.trim() === '') return 'text-0.0.4';
  let best: { format: ExpositionFormat; q: number; order: number } | undefined;
  for (const r of parseAccept(accept)) {
    if (r.q <= 0) continue;
    const format = formatFor(r);
    if (format === undefined) continue;
    if (best === undefined || r.q > best.q) best = { format, q: r.q, order: r.order };
  }
  return best?.format ?? 'text-0.0.4';
}
