import { PodkitError, KitErrorCode } from './errors.js';

/** Milliseconds per unit, as Go's time.ParseDuration spells them (µ and μ both accepted). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 MICRO SIGN
  μs: 1e-3, // U+03BC GREEK SMALL LETTER MU
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** One `<number><unit>` term; sticky so the terms must follow each other with nothing between. */
const TERM = /(\d*)(?:\.(\d*))?([a-zµμ]+)/y;

export type DurationParse = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * Parses a duration with Go's `time.ParseDuration` rules: a sequence of decimal numbers, each
 * with a unit (`ns`, `us`, `ms`, `s`, `m`, `h`), like `10s`, `1.5h`, `1m30s`, `500ms`, with an
 * optional sign. A unit is required, except for `0`. Returns milliseconds (possibly fractional
 * for sub-millisecond units) or the reason the text is not a duration — never throws.
 */
export function tryParseDuration(text: string): DurationParse {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, ms: 0 };
  if (rest === '') return { ok: false, reason: 'empty duration' };
  if (/^\d+(\.\d*)?$/.test(rest)) {
    return { ok: false, reason: `missing unit in duration "${text}" (did you mean ${rest}s?)` };
  }
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const m = TERM.exec(rest);
    if (m === null) return { ok: false, reason: `invalid duration "${text}"` };
    const [, whole = '', frac, unit = ''] = m;
    if (whole === '' && (frac === undefined || frac === '')) {
      return {
        ok: false,
        reason: `invalid duration "${text}": a number must come before "${unit}"`,
      };
    }
    const factor = UNIT_MS[unit];
    if (factor === undefined) {
      return {
        ok: false,
        reason: `unknown unit "${unit}" in duration "${text}" (use ns, us, ms, s, m or h)`,
      };
    }
    total += Number(`${whole === '' ? '0' : whole}.${frac ?? '0'}`) * factor;
  }
  if (!Number.isFinite(total)) return { ok: false, reason: `duration "${text}" is too large` };
  return { ok: true, ms: sign * total };
}

/**
 * Parses a Go-style duration (`10s`, `1m30s`, `500ms`, `2h`) to milliseconds.
 *
 * @example
 *   parseDuration('1m30s'); // 90000
 * @throws PodkitError `KIT_DURATION_INVALID` when the text is not a duration.
 */
export function parseDuration(text: string): number {
  const r = tryParseDuration(text);
  if (!r.ok) {
    throw new PodkitError(KitErrorCode.KIT_DURATION_INVALID, r.reason, {
      hint: 'write a number with a unit, e.g. 10s, 500ms, 1m30s or 2h',
    });
  }
  return r.ms;
}

/**
 * Formats milliseconds compactly in the same syntax `parseDuration` reads, so help text and
 * logs show what a user would type: 90000 → `1m30s`, 500 → `500ms`, 7200000 → `2h`.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (rest >= size) {
      const n = Math.floor(rest / size);
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) {
    // Sub-second remainders: whole milliseconds read best; finer ones keep their fraction.
    out += Number.isInteger(rest) ? `${rest}ms` : `${Math.round(rest * 1e6) / 1e3}us`;
  }
  return sign + out;
}
