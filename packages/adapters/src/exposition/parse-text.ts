import { adapterError, AdapterErrorCode } from '../errors.js';
import type { Bucket, Labels, MetricFamily, MetricType, Quantile } from './model.js';

interface RawSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number | undefined;
}

function parseValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const n = Number(s);
  if (s === '' || Number.isNaN(n)) throw new Error(`bad value "${s}"`);
  return n;
}

/** One sample line: `name{a="x",b="y"} value [timestamp]`, label values unescaped. */
export function parseSampleLine(line: string): RawSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (m === null) throw new Error('no metric name');
  const name = m[1] ?? '';
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const ln = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(line.slice(i));
      if (ln === null) throw new Error(`bad label at column ${i + 1}`);
      i += ln[0].length;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error('unterminated label value');
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i + 1];
          value += e === 'n' ? '\n' : (e ?? '');
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
      labels[ln[1] ?? ''] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parseValue(rest[0] ?? '');
  const ts = rest[1] === undefined ? undefined : Number(rest[1]);
  return { name, labels, value, timestampMs: ts };
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses Prometheus text 0.0.4 into families. Histogram and summary samples are grouped by
 * their labels; samples without a TYPE are untyped. A malformed line is reported through
 * `onBadLine` and skipped (one bad line does not lose the rest).
 */
export function parseText(
  text: string,
  onBadLine: (line: string, why: string) => void = () => undefined,
): MetricFamily[] {
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const samples: RawSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
      if (m === null) continue;
      const [, kind, name = '', rest = ''] = m;
      if (kind === 'HELP') helps.set(name, unescapeHelp(rest));
      else if (TYPES.has(rest.trim())) types.set(name, rest.trim() as MetricType);
      continue;
    }
    try {
      samples.push(parseSampleLine(line));
    } catch (err) {
      onBadLine(line, (err as Error).message);
    }
  }

  const scalar = new Map<
    string,
    {
      type: MetricType;
      points: { labels: Labels; value: number; timestampMs?: number | undefined }[];
    }
  >();
  type HistSeries = Map<string, { labels: Labels; buckets: Bucket[]; sum: number; count: number }>;
  type SummSeries = Map<
    string,
    { labels: Labels; quantiles: Quantile[]; sum: number; count: number }
  >;
  const hist = new Map<string, HistSeries>();
  const summ = new Map<string, SummSeries>();
  const owner = (
    name: string,
    suffixes: string[],
    type: MetricType,
  ): [string, string] | undefined => {
    for (const s of suffixes) {
      if (
        s === ''
          ? types.get(name) === type
          : name.endsWith(s) && types.get(name.slice(0, -s.length)) === type
      ) {
        return [s === '' ? name : name.slice(0, -s.length), s];
      }
    }
    return undefined;
  };
  for (const s of samples) {
    const h = owner(s.name, ['_bucket', '_sum', '_count'], 'histogram');
    const q = h === undefined ? owner(s.name, ['_sum', '_count', ''], 'summary') : undefined;
    if (h !== undefined) {
      const [family, suffix] = h;
      const { le, ...labels } = s.labels;
      const key = JSON.stringify(Object.entries(labels).sort());
      const series: HistSeries = hist.get(family) ?? (new Map() as HistSeries);
      hist.set(family, series);
      const p = series.get(key) ?? { labels, buckets: [], sum: 0, count: 0 };
      series.set(key, p);
      if (suffix === '_bucket') p.buckets.push({ le: parseValue(le ?? ''), count: s.value });
      else if (suffix === '_sum') p.sum = s.value;
      else p.count = s.value;
    } else if (q !== undefined) {
      const [family, suffix] = q;
      const { quantile, ...labels } = s.labels;
      const key = JSON.stringify(Object.entries(labels).sort());
      const series: SummSeries = summ.get(family) ?? (new Map() as SummSeries);
      summ.set(family, series);
      const p = series.get(key) ?? { labels, quantiles: [], sum: 0, count: 0 };
      series.set(key, p);
      if (suffix === '_sum') p.sum = s.value;
      else if (suffix === '_count') p.count = s.value;
      else p.quantiles.push({ quantile: Number(quantile), value: s.value });
    } else {
      const type = types.get(s.name);
      const f = scalar.get(s.name) ?? {
        type: type === 'counter' || type === 'gauge' ? type : 'untyped',
        points: [],
      };
      scalar.set(s.name, f);
      f.points.push({ labels: s.labels, value: s.value, timestampMs: s.timestampMs });
    }
  }
  const out: MetricFamily[] = [];
  for (const [name, f] of scalar) {
    out.push({
      name,
      help: helps.get(name) ?? '',
      type: f.type as 'counter' | 'gauge' | 'untyped',
      points: f.points,
    });
  }
  for (const [name, series] of hist) {
    const points = [...series.values()].map((p) => ({
      ...p,
      buckets: p.buckets.sort((a, b) => a.le - b.le),
    }));
    out.push({ name, help: helps.get(name) ?? '', type: 'histogram', points });
  }
  for (const [name, series] of summ) {
    out.push({ name, help: helps.get(name) ?? '', type: 'summary', points: [...series.values()] });
  }
  return out;
}

/** parseText that throws ADAPTER_UPSTREAM on the first bad line (for tests and strict use). */
export function parseTextStrict(text: string): MetricFamily[] {
  return parseText(text, (line, why) => {
    throw adapterError(AdapterErrorCode.ADAPTER_UPSTREAM, `bad exposition line "${line}": ${why}`);
  });
}
