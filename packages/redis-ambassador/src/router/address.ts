import { ambassadorError, AmbassadorErrorCode } from '../errors.js';

/** A TCP endpoint. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `HOST:PORT` (IPv6 as `[::1]:6379`). Throws AMBASSADOR_CONFIG on anything else.
 *
 * @example parseEndpoint('127.0.0.1:6379') // → { host: '127.0.0.1', port: 6379 }
 */
export function parseEndpoint(text: string, what = 'address'): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  const host = m ? (m[1] ?? m[2]) : undefined;
  if (host === undefined || !(port >= 0 && port <= 65535)) {
    throw ambassadorError(
      AmbassadorErrorCode.AMBASSADOR_CONFIG,
      `${what}: expected HOST:PORT, got ${JSON.stringify(text)}`,
      {
        hint: 'e.g. 127.0.0.1:6379 or [::1]:6379',
      },
    );
  }
  return { host, port };
}

/** `host:port` for logs and errors. */
export function formatEndpoint(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
