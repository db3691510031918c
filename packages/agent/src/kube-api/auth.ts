import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * True when the request carries `Authorization: Bearer TOKEN` with the API's token. Compared
 * in constant time; the token is never logged or echoed.
 */
export function hasToken(headers: IncomingHttpHeaders, token: string): boolean {
  const value = headers.authorization;
  if (typeof value !== 'string') return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value);
  if (m?.[1] === undefined) return false;
  const given = Buffer.from(m[1]);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
