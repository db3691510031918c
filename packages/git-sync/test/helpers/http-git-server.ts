import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** git's smart HTTP (git http-backend as CGI) behind basic auth, on loopback, for auth tests. */
export interface HttpGitServer {
  /** `http://127.0.0.1:<port>/<name of the bare repo>` (no credentials in it). */
  url: string;
  /** Authorization outcomes seen so far. */
  seen: { ok: number; denied: number; anonymous: number };
  close(): Promise<void>;
}

const BACKEND = '/usr/lib/git-core/git-http-backend';

/**
 * Serves every bare repository under dirname(bare) with HTTP basic auth (user/password).
 * The backend runs as CGI per request, exactly as a web server would run it.
 */
export async function startHttpGitServer(
  bare: string,
  auth: { user: string; password: () => string },
): Promise<HttpGitServer> {
  const seen = { ok: 0, denied: 0, anonymous: 0 };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const header = req.headers.authorization;
    if (header === undefined) {
      seen.anonymous++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    if (decoded !== `${auth.user}:${auth.password()}`) {
      seen.denied++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    seen.ok++;
    const url = new URL(req.url ?? '/', 'http://x');
    const child = spawn(BACKEND, [], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: path.dirname(bare),
        GIT_HTTP_EXPORT_ALL: '1',
        GATEWAY_INTERFACE: 'CGI/1.1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] === undefined
          ? {}
          : { CONTENT_LENGTH: req.headers['content-length'] }),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: auth.user,
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${path.basename(bare)}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
