/** One StatsD event after parsing. */
export interface StatsdEvent {
  name: string;
  type: 'counter' | 'gauge' | 'observer';
  /** For a gauge, `relative` means `+n`/`-n` (add to the current value). */
  value: number;
  relative: boolean;
  /** The original unit: `ms` timers are already converted to seconds in `value`. */
  unit: 'c' | 'g' | 'ms' | 'h' | 'd';
  /** DogStatsD `|#k:v` tags (a tag without a value is refused). */
  tags: Record<string, string>;
}

export type StatsdParse = { ok: true; event: StatsdEvent } | { ok: false; reason: string };

/**
 * Parses one line: `name:value|type[|@rate][|#tag:v,…]`. Counters are scaled by 1/rate;
 * timers (`ms`) become seconds; `h` and `d` are observed as sent. Sets (`s`) and malformed
 * lines are refused with a reason, never thrown.
 *
 * @example parseStatsdLine('api.latency:320|ms|#env:prod') // observer 0.32 s, tags {env: 'prod'}
 */
export function parseStatsdLine(line: string): StatsdParse {
  const colon = line.lastIndexOf(':', line.indexOf('|'));
  if (colon <= 0) return { ok: false, reason: 'no name:value' };
  const name = line.slice(0, colon);
  const [rawValue = '', type = '', ...extras] = line.slice(colon + 1).split('|');
  let rate = 1;
  const tags: Record<string, string> = {};
  for (const x of extras) {
    if (x.startsWith('@')) {
      rate = Number(x.slice(1));
      if (!(rate > 0 && rate <= 1)) return { ok: false, reason: 'bad sample rate' };
    } else if (x.startsWith('#')) {
      for (const tag of x.slice(1).split(',')) {
        if (tag === '') continue;
        const c = tag.indexOf(':');
        if (c <= 0) return { ok: false, reason: `tag "${tag}" has no value` };
        tags[tag.slice(0, c)] = tag.slice(c + 1);
      }
    }
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(rawValue))
    return { ok: false, reason: 'bad value' };
  const value = Number(rawValue);
  switch (type) {
    case 'c':
      return {
        ok: true,
        event: { name, type: 'counter', value: value / rate, relative: false, unit: 'c', tags },
      };
    case 'g':
      return {
        ok: true,
        event: {
          name,
          type: 'gauge',
          value,
          relative: rawValue.startsWith('+') || rawValue.startsWith('-'),
          unit: 'g',
          tags,
        },
      };
    case 'ms':
      return {
        ok: true,
        event: { name, type: 'observer', value: value / 1000, relative: false, unit: 'ms', tags },
      };
    case 'h':
    case 'd':
      return {
        ok: true,
        event: { name, type: 'observer', value, relative: false, unit: type, tags },
      };
    default:
      return { ok: false, reason: `unsupported type "${type}"` };
  }
}
