import http from 'node:http';
import https from 'node:https';
import { deadlineSignal, formatTimeout } from './deadline.js';
import { PROBE_USER_AGENT, type ProbeResult } from './types.js';

const MAX_BODY = 10 * 1024;

export interface HttpProbeRequest {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers: readonly { name: string; value: string }[];
}

/** The URL kubelet would build (IPv6 hosts bracketed; path gets a leading slash). */
export function probeUrl(r: HttpProbeRequest): URL {
  const host = r.host.includes(':') ? `[${r.host}]` : r.host;
  const p = r.path.startsWith('/') ? r.path : `/${r.path}`;
  return new URL(`${r.scheme.toLowerCase()}://${host}:${r.port}${p}`);
}

/**
 * httpGet handler, as kubelet's: GET with `User-Agent: kube-probe/…` and `Accept: *\/*` unless
 * httpHeaders set them (a `Host` header sets the virtual host); HTTPS does not verify the
 * certificate; 200 ≤ status < 400 is success. Redirects are not followed: a 3xx counts as
 * success (kubelet follows same-host redirects; a target that redirects to a failing page
 * passes here and fails there).
 */
export function httpProbe(
  req: HttpProbeRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const url = probeUrl(req);
  const headers: Record<string, string | string[]> = {};
  for (const h of req.headers) {
    const key = h.name.toLowerCase();
    const prev = headers[key];
    headers[key] =
      prev === undefined ? h.value : [...(Array.isArray(prev) ? prev : [prev]), h.value];
  }
  if (!('user-agent' in headers)) headers['user-agent'] = PROBE_USER_AGENT;
  if (!('accept' in headers)) headers.accept = '*/*';
  headers.connection = 'close';
  const limit = deadlineSignal(timeoutMs, signal);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const request = mod.get(
      url,
      { headers, signal: limit, rejectUnauthorized: false, agent: false },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (b: Buffer) => {
          if (size < MAX_BODY) chunks.push(b);
          size += b.length;
        });
        const done = (): void => {
          const body = Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY);
          if (status >= 200 && status < 400) finish({ ok: true, output: body });
          else finish({ ok: false, output: `HTTP probe failed with statuscode: ${status}` });
        };
        res.once('end', done);
        res.once('error', done);
      },
    );
    request.once('error', (e) => {
      const output = limit.aborted
        ? `Get "${url.href}": context deadline exceeded (timeout ${formatTimeout(timeoutMs)})`
        : `Get "${url.href}": ${e.message}`;
      finish({ ok: false, output });
    });
  });
}
