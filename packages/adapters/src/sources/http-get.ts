import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { adapterError, AdapterErrorCode } from '../errors.js';

/** Credentials for an upstream, always from files (re-read per request), never from argv. */
export interface HttpAuth {
  bearerTokenFile?: string | undefined;
  username?: string | undefined;
  passwordFile?: string | undefined;
}

/**
 * The target with any `user:password@` removed, for logs and error messages: URLs and
 * scheme-less `host:port` targets (`pw@db:6379` → `db:6379`).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1');
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
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `not a URL: "${safe}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `not an http(s) URL: "${safe}"`);
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
    const res = await getFollowing(parsed, headers, options.signal);
    if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) {
      res.resume();
      throw adapterError(
        AdapterErrorCode.ADAPTER_UPSTREAM,
        `GET ${safe}: HTTP ${String(res.statusCode)}`,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        throw adapterError(
          AdapterErrorCode.ADAPTER_UPSTREAM,
          `GET ${safe}: body larger than ${maxBytes} bytes`,
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && String(err.code).startsWith('ADAPTER_')) throw err;
    const reason = options.signal.aborted ? 'timed out' : (err as Error).message;
    throw adapterError(AdapterErrorCode.ADAPTER_UPSTREAM, `GET ${safe}: ${redactUrl(reason)}`, {
      cause: err,
    });
  }
}

/*
 * node:http with keep-alive agents rather than fetch: a scrape is one small GET to the same
 * upstream every few seconds, and undici's fetch costs several times a plain request's CPU
 * per call (bench/adapters). The connection to the upstream is kept between scrapes.
 */
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }),
};
const MAX_REDIRECTS = 5;

function getOnce(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  retried = false,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { headers, signal, agent: https ? agents.https : agents.http },
      resolve,
    );
    req.once('error', (err: NodeJS.ErrnoException) => {
      // The upstream closed an idle kept-alive connection as it was reused: once more on a
      // new one (what Node's documentation advises), not a failed scrape.
      if (req.reusedSocket && err.code === 'ECONNRESET' && !retried && !signal.aborted) {
        getOnce(url, headers, signal, true).then(resolve, reject);
      } else reject(err);
    });
    req.end();
  });
}

/** GET, following up to 5 redirects; the credentials go only to the original origin. */
async function getFollowing(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, headers, signal);
    const location = res.headers.location;
    const status = res.statusCode ?? 0;
    if (![301, 302, 303, 307, 308].includes(status) || location === undefined) return res;
    res.resume();
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new Error(`redirect to a non-http(s) URL`);
    }
    if (next.origin !== url.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    current = next;
  }
}
