import { isoUtc, type ParseResult } from './record.js';

const TIME_KEYS = ['time', 'timestamp', '@timestamp', 'ts'];

/**
 * JSON passthrough: the line must be one JSON object; its fields are kept as they are. A
 * `time`/`timestamp`/`@timestamp`/`ts` field (ISO string, or epoch seconds/milliseconds) gives
 * the record's time.
 */
export function parseJsonLine(line: string): ParseResult {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return { ok: false, error: 'not a JSON object' };
  const fields = v as Record<string, unknown>;
  let time: string | undefined;
  for (const k of TIME_KEYS) {
    const t = fields[k];
    if (typeof t === 'string') time = isoUtc(new Date(t));
    else if (typeof t === 'number') time = isoUtc(new Date(t > 1e11 ? t : t * 1000));
    if (time !== undefined) break;
  }
  return { ok: true, time, fields };
}
