import { readFileSync } from 'node:fs';
import { adapterError } from '../errors.js';

/** Credentials for an upstream, always from files (re-read per request), never from argv. */
export interface HttpAuth {
  bearerTokenFile?: string | undefined;
  username?: string | undefined;
  passwordFile?: string | undefined;
}

/** The URL with any `user:password@` removed, for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

function readSecret(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

/**
 * GETs `url` and returns the body as text, refusing more than `maxBytes` (default 4 MiB).
 * Non-2xx, network errors and aborts (the scrape timeout) throw ADAPTER_UPSTREAM whose
 * message names the URL without credentials.
 */
export async function httpGet(
  url: string,
  options: { signal: AbortSignal; auth?: HttpAuth; accept?: string; maxBytes?: number },
): Promise<string> {
  const safe = redactUrl(url);
  const headers: Record<string, string> = { 'user-agent': 'podkit-metrics-adapter' };
  if (options.accept !== undefined) headers['accept'] = options.accept;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw adapterError('ADAPTER_CONFIG', `not a URL: "${safe}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw adapterError('ADAPTER_CONFIG', `not an http(s) URL: "${safe}"`);
  }
  const auth = options.auth ?? {};
  if (parsed.username !== '' || parsed.password !== '') {
    headers['authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  if (auth.bearerTokenFile !== undefined)
    headers['authorization'] = `Bearer ${readSecret(auth.bearerTokenFile)}`;
  if (auth.passwordFile !== undefined) {
    const user = auth.username ?? '';
    headers['authorization'] =
      `Basic ${Buffer.from(`${user}:${readSecret(auth.passwordFile)}`).toString('base64')}`;
  }
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  try {
    const res = await fetch(parsed, { headers, signal: options.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel();
      throw adapterError('ADAPTER_UPSTREAM', `GET ${safe}: HTTP ${res.status}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body !== null) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) {
          throw adapterError('ADAPTER_UPSTREAM', `GET ${safe}: body larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && String(err.code).startsWith('ADAPTER_')) throw err;
    const reason = options.signal.aborted
      ? 'timed out'
      : (((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
    throw adapterError('ADAPTER_UPSTREAM', `GET ${safe}: ${redactUrl(reason)}`, { cause: err });
  }
}
