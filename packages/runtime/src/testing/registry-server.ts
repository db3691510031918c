import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Test helpers around Debian's `docker-registry` (distribution 2.8): a registry on
 * 127.0.0.1:<free port> with storage in a temp dir, optionally with htpasswd auth, token auth
 * (behind `startTokenServer`) or TLS; `skopeoCopy` pushes OCI layouts into it. Everything is
 * stopped and removed in t.after.
 */

export interface TlsFiles {
  /** PEM of the CA that signed `cert` (what a client trusts: --ca-file). */
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Runs openssl; throws with its stderr on failure. */
function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

/** A new RSA key and a self-signed certificate for it, valid 2 days. */
function selfSigned(keyFile: string, certFile: string, subject: string): void {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    subject,
  ]);
}

/** A CA and a server certificate for 127.0.0.1 / localhost signed by it, in `dir`. */
export function makeTlsFiles(dir: string, name = 'server'): TlsFiles {
  const caKey = path.join(dir, `${name}-ca.key`);
  const caFile = path.join(dir, `${name}-ca.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.crt`);
  const ext = path.join(dir, `${name}.ext`);
  selfSigned(caKey, caFile, `/CN=podkit test CA ${name}`);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { caFile, certFile, keyFile };
}

/** A free TCP port on 127.0.0.1 (bound then released: the registry binds it next). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) =>
    srv.close(() => {
      resolve();
    }),
  );
  return port;
}

/**
 * Listens on 127.0.0.1:<free port> and returns the port; t.after closes the server and every
 * connection still open.
 */
export async function listenOnLoopback(t: TestContext, server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return (server.address() as AddressInfo).port;
}

export interface RegistryOptions {
  auth?:
    | { htpasswd: { username: string; password: string } }
    | { token: { realm: string; service: string; issuer: string; rootCertBundle: string } }
    | undefined;
  tls?: TlsFiles | undefined;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  dir: string;
  /** Stops the registry process (storage stays: `start` brings the same content back). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function waitForHttp(url: string, ca: string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const mod = url.startsWith('https:') ? https : http;
      const req = mod.get(url, ca === undefined ? {} : { ca }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => {
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer within ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `docker-registry serve` on 127.0.0.1:<free port>, storage in a temp dir. */
export async function startRegistry(
  t: TestContext,
  options: RegistryOptions = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'podkit-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${String(port)}`;
  let auth = '';
  if (options.auth !== undefined && 'htpasswd' in options.auth) {
    const { username, password } = options.auth.htpasswd;
    const r = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    await writeFile(path.join(dir, 'htpasswd'), r.stdout);
    auth = `auth:\n  htpasswd:\n    realm: podkit-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  } else if (options.auth !== undefined) {
    const tk = options.auth.token;
    auth = `auth:\n  token:\n    realm: ${tk.realm}\n    service: ${tk.service}\n    issuer: ${tk.issuer}\n    rootcertbundle: ${tk.rootCertBundle}\n`;
  }
  const tls =
    options.tls === undefined
      ? ''
      : `  tls:\n    certificate: ${options.tls.certFile}\n    key: ${options.tls.keyFile}\n`;
  const config = path.join(dir, 'config.yml');
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n  secret: ${randomBytes(8).toString('hex')}\n${tls}${auth}`,
  );
  await mkdir(path.join(dir, 'data'));
  let child: ChildProcess | undefined;
  const ca = options.tls === undefined ? undefined : await readFile(options.tls.caFile, 'utf8');
  const start = async (): Promise<void> => {
    const log = openSync(path.join(dir, 'registry.log'), 'a');
    child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
    closeSync(log);
    const c = child;
    const exited = new Promise<never>((_, reject) => {
      c.once('exit', (code) => {
        reject(new Error(`docker-registry exited with ${String(code)}; see ${dir}/registry.log`));
      });
    });
    await Promise.race([
      waitForHttp(`${options.tls === undefined ? 'http' : 'https'}://${host}/v2/`, ca, 30_000),
      exited,
    ]);
    exited.catch(() => undefined);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c?.exitCode !== null || c.pid === undefined) return;
    const gone = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await gone;
  };
  t.after(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
  await start();
  return { host, dir, stop, start };
}

/**
 * `skopeo copy` (as the test's image pusher): `--all` keeps every image of an index;
 * `creds` is user:password; `certDir` holds the registry's ca.crt (else TLS is not verified).
 */
export async function skopeoCopy(
  src: string,
  dest: string,
  options: { all?: boolean; creds?: string; certDir?: string } = {},
): Promise<void> {
  const args = [
    'copy',
    '--quiet',
    ...(options.all === true ? ['--all'] : []),
    ...(options.certDir === undefined
      ? ['--dest-tls-verify=false']
      : ['--dest-cert-dir', options.certDir]),
    ...(options.creds === undefined ? [] : ['--dest-creds', options.creds]),
    src,
    dest,
  ];
  // Asynchronous: a token server in this process must keep answering while skopeo runs.
  const child = spawn('skopeo', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${stderr}`);
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export interface TokenServer {
  /** The realm URL for the registry's `auth.token.realm`. */
  realm: string;
  service: string;
  issuer: string;
  /** The signing certificate (the registry's `rootcertbundle`). */
  rootCertBundle: string;
  /** Tokens issued so far (each with its scope), for assertions. */
  issued: { scope: string; user: string | undefined }[];
}

/**
 * A token server as the distribution spec describes it (docker/auth's role): GET
 * `/token?service=…&scope=repository:NAME:pull,push` with Basic credentials answers
 * `{"token", "access_token", "expires_in"}`, a JWT signed RS256 with a self-signed certificate
 * (sent as `x5c`) that the registry trusts through `rootcertbundle`. Wrong credentials → 401;
 * anonymous callers get pull access only when `anonymousPull`.
 */
export async function startTokenServer(
  t: TestContext,
  dir: string,
  options: { username: string; password: string; anonymousPull?: boolean; tls?: TlsFiles },
): Promise<TokenServer> {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  selfSigned(keyFile, certFile, '/CN=podkit test token issuer');
  const key = await readFile(keyFile, 'utf8');
  const der = new X509Certificate(await readFile(certFile)).raw;
  const service = 'podkit-test-registry';
  const issuer = 'podkit-test-issuer';
  const issued: TokenServer['issued'] = [];
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let user: string | undefined;
    const authz = req.headers.authorization;
    if (authz?.startsWith('Basic ') === true) {
      const [u, ...p] = Buffer.from(authz.slice(6), 'base64').toString('utf8').split(':');
      if (u !== options.username || p.join(':') !== options.password) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      user = u;
    }
    const scopes = url.searchParams.getAll('scope');
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository' || name === undefined || actions === undefined) return [];
      const allowed = actions
        .split(',')
        .filter((a) => user !== undefined || (options.anonymousPull === true && a === 'pull'));
      return [{ type, name, actions: allowed }];
    });
    if (user === undefined && options.anonymousPull !== true) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'credentials required' }] }),
      );
      return;
    }
    issued.push({ scope: scopes.join(' '), user });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: url.searchParams.get('service') ?? service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    // Alternating the two spellings exercises both fields of the spec.
    res.end(
      JSON.stringify(
        issued.length % 2 === 0
          ? { access_token: token, expires_in: 300 }
          : { token, expires_in: 300 },
      ),
    );
  };
  const tls = options.tls;
  const server =
    tls === undefined
      ? http.createServer(handler)
      : https.createServer(
          { cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) },
          handler,
        );
  const port = await listenOnLoopback(t, server);
  return {
    realm: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${String(port)}/token`,
    service,
    issuer,
    rootCertBundle: certFile,
    issued,
  };
}
