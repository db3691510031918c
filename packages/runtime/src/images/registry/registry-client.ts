import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { Backoff, PodkitError } from '@podkit/kit';
import {
  imageError,
  registryError,
  type RegistryErrorCode,
  RuntimeErrorCode,
} from '../../errors.js';
import { assertDigest } from '../oci/blob-store.js';
import { MEDIA_TYPES } from '../oci/media-types.js';
import { findCredentials, type Credentials } from './auth-file.js';
import { parseChallenges } from './challenge.js';
import { repositoryName, type ImageReference } from './reference.js';
import { extraCaCerts, isInsecure, type RegistrySettings } from './registry-settings.js';

/**
 * Retries of one request: attempts in all, and the exponential backoff: `baseMs` doubling to
 * `capMs`, each delay drawn from its upper half (kit's Backoff with jitter 0.5).
 */
export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 250, capMs: 5000 };

export interface RegistryClientOptions {
  settings: RegistrySettings;
  signal?: AbortSignal | undefined;
  retry?: RetryPolicy | undefined;
  /** Environment for the auth-file lookup (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Called before a retry (for progress output). */
  onRetry?: ((what: string, attempt: number, delayMs: number, err: Error) => void) | undefined;
}

/** A manifest or index as fetched, with the digest of its exact bytes. */
export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
  json: Record<string, unknown>;
}

/** What the manifest endpoint is asked to return, most wanted first. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

/** What OpenSSL says when the peer answers a TLS hello in plain HTTP. */
const PLAIN_HTTP_PEER = /wrong version number|packet length too long|http request/i;

/** How to let podkit use plain HTTP for `host`: the pull flag, or registries.json for pods. */
function allowPlainHttpHint(host: string, settings: RegistrySettings): string {
  const file = settings.file ?? '<state root>/registries.json';
  return `if ${host} is meant to be plain HTTP, mark it insecure: \`podkit image pull --insecure-registry ${host} …\`, or for pods (\`podkit up\`) add it to ${file}: {"insecureRegistries": ["${host}"]} (see docs/registry.md)`;
}

/** An error worth retrying (network failure, 5xx, 429). */
class TransientError extends PodkitError {
  readonly retryAfterMs: number | undefined;
  constructor(
    code: RegistryErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; retryAfterMs?: number } = {},
  ) {
    super(code, message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    });
    this.retryAfterMs = options.retryAfterMs;
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Reads a (small) response body whole, at most `limit` bytes. */
async function readBody(res: IncomingMessage, limit = 16 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    const chunk = c as Buffer;
    n += chunk.length;
    if (n > limit) {
      res.destroy();
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `response larger than ${String(limit)} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The `errors[].code` values of a distribution API error body. */
function errorCodes(body: Buffer): string[] {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
    return (j.errors ?? []).map((e) => String(e.code));
  } catch {
    return [];
  }
}

/**
 * A client of one repository on one registry (the OCI distribution API): GET /v2/, manifests
 * and blobs; anonymous, Basic and Bearer-token auth through the WWW-Authenticate challenge;
 * HTTPS with the system CAs plus extra ones, plain HTTP only for insecure registries; retries
 * with exponential backoff and jitter on network errors, 5xx and 429. Close it when done
 * (`await using`): it holds keep-alive connections.
 *
 * @example
 *   await using c = await RegistryClient.open(parseReference('localhost:5000/app:1'), { settings });
 *   const m = await c.getManifest('1');
 */
export class RegistryClient implements AsyncDisposable {
  readonly ref: ImageReference;
  readonly #o: RegistryClientOptions;
  readonly #base: string;
  readonly #agent: http.Agent;
  readonly #retry: RetryPolicy;
  readonly #scope: string;
  /** Bearer tokens by scope, reused until they expire. */
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  #authorization: string | undefined;
  #credentials: Promise<Credentials | undefined> | undefined;
  /** The trusted CAs when extra ones are configured (undefined: Node's defaults). */
  readonly #ca: string[] | undefined;

  private constructor(
    ref: ImageReference,
    o: RegistryClientOptions,
    base: string,
    agent: http.Agent,
    ca: string[] | undefined,
  ) {
    this.ref = ref;
    this.#ca = ca;
    this.#o = o;
    this.#base = base;
    this.#agent = agent;
    this.#retry = o.retry ?? DEFAULT_RETRY;
    this.#scope = `repository:${ref.repository}:pull`;
  }

  /** A client for the repository of `ref` (HTTPS unless the registry is marked insecure). */
  static async open(ref: ImageReference, options: RegistryClientOptions): Promise<RegistryClient> {
    const insecure = isInsecure(options.settings, ref.host);
    let agent: http.Agent;
    let ca: string[] | undefined;
    if (insecure) {
      agent = new http.Agent({ keepAlive: true });
    } else {
      const extra = await extraCaCerts(options.settings, ref.host);
      // Extra CAs add to the trusted set (the `ca` option would otherwise replace it).
      let system: string[] = [];
      if (extra.length > 0) {
        const bundle = await readFile('/etc/ssl/certs/ca-certificates.crt', 'utf8').catch(() => '');
        system = [...rootCertificates, ...(bundle === '' ? [] : [bundle])];
      }
      if (extra.length > 0) ca = [...system, ...extra];
      agent = new https.Agent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
    }
    return new RegistryClient(
      ref,
      options,
      `${insecure ? 'http' : 'https'}://${ref.host}`,
      agent,
      ca,
    );
  }

  close(): void {
    this.#agent.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  get #where(): string {
    return `${this.#base}/v2/${this.ref.repository}`;
  }

  /** One HTTP exchange; follows redirects (dropping Authorization on another origin). */
  async #exchange(
    method: string,
    url: string,
    headers: Record<string, string>,
    redirects = 5,
  ): Promise<IncomingMessage> {
    const u = new URL(url);
    const sameOrigin = u.origin === new URL(this.#base).origin;
    const h = { ...headers };
    if (!sameOrigin) delete h.Authorization;
    if (u.protocol === 'http:' && !sameOrigin && !isInsecure(this.#o.settings, u.host)) {
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `the registry redirected to plain HTTP (${u.origin}), which is not marked insecure`,
      );
    }
    const res = await this.#request(u, {
      method,
      headers: { 'User-Agent': 'podkit', ...h },
      ...(sameOrigin ? { agent: this.#agent } : {}),
    });
    if (
      [301, 302, 303, 307, 308].includes(res.statusCode ?? 0) &&
      res.headers.location !== undefined
    ) {
      res.resume();
      if (redirects === 0)
        throw registryError(RuntimeErrorCode.REGISTRY_ERROR, `too many redirects from ${url}`);
      return this.#exchange(method, new URL(res.headers.location, u).toString(), h, redirects - 1);
    }
    return res;
  }

  #networkError(err: Error): Error {
    const e = err as NodeJS.ErrnoException;
    if (e.name === 'AbortError' || this.#o.signal?.aborted === true) return err;
    const code = e.code ?? '';
    const host = this.ref.host;
    if (PLAIN_HTTP_PEER.test(e.message)) {
      // An HTTPS hello answered in plain HTTP: the registry works, TLS is what is missing.
      // Retrying over HTTPS cannot help; saying how to allow plain HTTP does.
      return registryError(
        RuntimeErrorCode.REGISTRY_TLS_FAILED,
        `${host} answers plain HTTP, not HTTPS (the TLS handshake got an HTTP reply); podkit uses plain HTTP only for registries marked insecure`,
        { hint: allowPlainHttpHint(host, this.#o.settings), cause: err },
      );
    }
    if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(e.message)) {
      return registryError(
        RuntimeErrorCode.REGISTRY_TLS_FAILED,
        `TLS connection to ${host} failed: ${e.message}`,
        {
          hint: `trust the registry's CA with --ca-file FILE (or /etc/containers/certs.d/${host}/ca.crt); ${allowPlainHttpHint(host, this.#o.settings)}`,
          cause: err,
        },
      );
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      // The name does not resolve: offline, no DNS, or a misspelt name. Only EAI_AGAIN (a DNS
      // server that did not answer) may change on a retry.
      const Made = code === 'EAI_AGAIN' ? TransientError : PodkitError;
      return new Made(
        RuntimeErrorCode.REGISTRY_UNREACHABLE,
        `the registry ${host} is unreachable: its name does not resolve (${e.message})`,
        {
          hint: `this machine may be offline or without DNS (or the name is misspelt); an image already here needs no registry: imagePullPolicy IfNotPresent or Never, \`podkit image load\` or \`podkit image add\``,
          cause: err,
        },
      );
    }
    return new TransientError(
      RuntimeErrorCode.REGISTRY_UNREACHABLE,
      `the registry ${host} is unreachable: cannot reach ${this.#base}: ${e.message}`,
      {
        hint: `check that the registry runs and that this machine reaches it (podkit tried ${String(this.#retry.attempts)} times, with backoff); an image already here needs no registry: imagePullPolicy IfNotPresent or Never`,
        cause: err,
      },
    );
  }

  async #credentialsOnce(): Promise<Credentials | undefined> {
    this.#credentials ??= findCredentials(this.ref.domain, this.ref.repository, {
      authFile: this.#o.settings.authFile,
      env: this.#o.env,
    });
    return this.#credentials;
  }

  #authError(status: number, detail: string, hadCredentials: boolean): PodkitError {
    const name = repositoryName(this.ref);
    return registryError(
      RuntimeErrorCode.REGISTRY_AUTH_FAILED,
      `${status === 403 ? 'access denied' : 'authentication failed'} pulling ${name} from ${this.ref.host} (HTTP ${String(status)}${detail === '' ? '' : `: ${detail}`})`,
      {
        hint: hadCredentials
          ? `the credentials for ${this.ref.domain} were refused: fix them in the auth file (--authfile, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or ~/.docker/config.json)`
          : `set credentials for ${this.ref.domain} in an auth file: --authfile FILE, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or ~/.docker/config.json (e.g. written by \`podman login\`)`,
      },
    );
  }

  /** Answers a 401's challenge: sets the Authorization for the next try. */
  async #authenticate(res: IncomingMessage): Promise<void> {
    const header = res.headers['www-authenticate'];
    res.resume();
    const creds = await this.#credentialsOnce();
    const challenges = parseChallenges(Array.isArray(header) ? header.join(', ') : (header ?? ''));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer !== undefined) {
      const realm = bearer.params.realm;
      if (realm === undefined)
        throw registryError(
          RuntimeErrorCode.REGISTRY_ERROR,
          `${this.ref.host}: Bearer challenge without a realm`,
        );
      this.#authorization = `Bearer ${await this.#token(realm, bearer.params.service, creds)}`;
      return;
    }
    if (basic !== undefined && creds !== undefined) {
      this.#authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      return;
    }
    throw this.#authError(401, '', creds !== undefined);
  }

  /** A Bearer token for the pull scope from `realm` (cached per scope until it expires). */
  async #token(
    realm: string,
    service: string | undefined,
    creds: Credentials | undefined,
  ): Promise<string> {
    const key = `${realm} ${service ?? ''} ${this.#scope}`;
    const cached = this.#tokens.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.token;
    const url = new URL(realm);
    if (url.protocol === 'http:' && !isInsecure(this.#o.settings, url.host))
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `${this.ref.host}: token realm ${url.origin} is plain HTTP and not marked insecure`,
        {
          hint: `mark it with --insecure-registry ${url.host} if that is intended`,
        },
      );
    if (service !== undefined) url.searchParams.set('service', service);
    url.searchParams.set('scope', this.#scope);
    const headers: Record<string, string> = {};
    if (creds !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const res = await this.#withRetry(`token from ${url.origin}`, async () => {
      const r = await this.#exchangeVia(url, headers);
      this.#throwIfTransient(r);
      return r;
    });
    const body = await readBody(res, 1 << 20);
    if (res.statusCode === 401 || res.statusCode === 403)
      throw this.#authError(
        res.statusCode,
        `token server ${url.origin} refused`,
        creds !== undefined,
      );
    if (res.statusCode !== 200)
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `token server ${url.origin} answered HTTP ${String(res.statusCode)}`,
      );
    let j: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      j = JSON.parse(body.toString('utf8')) as typeof j;
    } catch (err) {
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `token server ${url.origin} answered with invalid JSON`,
        { cause: err },
      );
    }
    const token =
      typeof j.token === 'string'
        ? j.token
        : typeof j.access_token === 'string'
          ? j.access_token
          : undefined;
    if (token === undefined || token === '')
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `token server ${url.origin} answered without a token`,
      );
    // The spec's default lifetime is 60 s; renew a little early.
    const life = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 60;
    this.#tokens.set(key, { token, expiresAt: Date.now() + Math.max(life - 5, 1) * 1000 });
    return token;
  }

  /** A request to a token realm (its own origin: the registry's agent is not used). */
  #exchangeVia(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    return this.#request(url, {
      method: 'GET',
      headers: { 'User-Agent': 'podkit', ...headers },
      // The realm is usually served with the registry's CA (same operator).
      ...(this.#ca === undefined ? {} : { ca: this.#ca }),
    });
  }

  /**
   * Sends one request (with the pull's abort signal) and resolves with the response; a
   * connection idle for 60 s or failing becomes the registry error #networkError makes of it.
   */
  #request(url: URL, options: https.RequestOptions): Promise<IncomingMessage> {
    const signal = this.#o.signal;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const mod = url.protocol === 'http:' ? http : https;
      const req = mod.request(
        url,
        { ...options, ...(signal === undefined ? {} : { signal }) },
        resolve,
      );
      req.setTimeout(60_000, () => {
        req.destroy(Object.assign(new Error('no data for 60 s'), { code: 'ETIMEDOUT' }));
      });
      req.on('error', (err) => {
        reject(this.#networkError(err));
      });
      req.end();
    });
  }

  #throwIfTransient(res: IncomingMessage): void {
    const status = res.statusCode ?? 0;
    if (status >= 500 || status === 429) {
      res.resume();
      const ra = Number(res.headers['retry-after']);
      throw new TransientError(
        RuntimeErrorCode.REGISTRY_UNAVAILABLE,
        `${this.ref.host} answered HTTP ${String(status)}`,
        {
          hint: 'the registry is failing or overloaded; podkit retried with backoff',
          ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: Math.min(ra * 1000, 30_000) } : {}),
        },
      );
    }
  }

  /** Runs `fn` until it succeeds, retrying transient errors with backoff and full jitter. */
  async #withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { baseMs, capMs } = this.#retry;
    const backoff = new Backoff({ baseMs, capMs, jitter: 0.5 });
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const transient =
          err instanceof TransientError ||
          (!(err instanceof PodkitError) &&
            !(err instanceof Error && err.name === 'AbortError') &&
            this.#o.signal?.aborted !== true);
        if (!transient || attempt >= this.#retry.attempts) throw err;
        const next = backoff.next();
        const delay =
          err instanceof TransientError && err.retryAfterMs !== undefined ? err.retryAfterMs : next;
        this.#o.onRetry?.(what, attempt, delay, err as Error);
        await sleep(delay, this.#o.signal);
      }
    }
  }

  /** GET (or HEAD) under /v2/<repository>/, answering auth challenges; 5xx/429 throw transient. */
  async #get(
    path: string,
    headers: Record<string, string>,
    method = 'GET',
  ): Promise<IncomingMessage> {
    for (let round = 0; ; round++) {
      const h = {
        ...headers,
        ...(this.#authorization === undefined ? {} : { Authorization: this.#authorization }),
      };
      const res = await this.#exchange(method, `${this.#where}/${path}`, h);
      if (res.statusCode === 401 && round === 0) {
        await this.#authenticate(res);
        continue;
      }
      if (res.statusCode === 401 || res.statusCode === 403) {
        const body =
          method === 'HEAD'
            ? Buffer.alloc(0)
            : await readBody(res, 1 << 20).catch(() => Buffer.alloc(0));
        const creds = await this.#credentialsOnce();
        throw this.#authError(res.statusCode, errorCodes(body).join(', '), creds !== undefined);
      }
      this.#throwIfTransient(res);
      return res;
    }
  }

  /** GET /v2/: checks that the host is a registry podkit can talk to (and warms auth). */
  async ping(): Promise<void> {
    await this.#withRetry(`${this.#base}/v2/`, async () => {
      const res = await this.#exchange(
        'GET',
        `${this.#base}/v2/`,
        this.#authorization === undefined ? {} : { Authorization: this.#authorization },
      );
      this.#throwIfTransient(res);
      res.resume();
    });
  }

  /**
   * Fetches a manifest or index by tag or digest and checks its bytes: against the digest
   * asked for, else against the registry's Docker-Content-Digest header.
   */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const name = `${repositoryName(this.ref)}${reference.includes(':') ? '@' : ':'}${reference}`;
    if (reference.includes(':')) assertDigest(reference);
    const { res, body } = await this.#withRetry(`manifest ${name}`, async () => {
      const r = await this.#get(`manifests/${reference}`, { Accept: MANIFEST_ACCEPT });
      return { res: r, body: await readBody(r, 4 << 20) };
    });
    if (res.statusCode === 404) {
      const codes = errorCodes(body);
      throw registryError(
        RuntimeErrorCode.REGISTRY_IMAGE_NOT_FOUND,
        `image ${name} not found on ${this.ref.host}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`,
        {
          hint: `check the repository name and tag (${codes.includes('NAME_UNKNOWN') ? `no repository ${this.ref.repository}` : 'is the tag pushed?'}); for a private image, credentials may be needed`,
        },
      );
    }
    if (res.statusCode !== 200)
      throw registryError(
        RuntimeErrorCode.REGISTRY_ERROR,
        `${this.ref.host} answered HTTP ${String(res.statusCode)} for manifest ${name}: ${body.toString('utf8').slice(0, 200)}`,
      );
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const expected = reference.includes(':')
      ? reference
      : (res.headers['docker-content-digest'] as string | undefined);
    if (expected !== undefined && expected.startsWith('sha256:') && expected !== digest)
      throw imageError(
        RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
        `manifest ${name} failed verification: its content has digest ${digest}, expected ${expected}; nothing was stored`,
        {
          hint: 'the registry (or something between it and podkit) serves corrupted content',
        },
      );
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      throw registryError(RuntimeErrorCode.REGISTRY_ERROR, `manifest ${name} is not valid JSON`, {
        cause: err,
      });
    }
    const header = (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const mediaType = typeof json.mediaType === 'string' ? json.mediaType : header;
    return { bytes: body, mediaType, digest, json };
  }

  /**
   * Streams a blob into `sink`, which must verify it (the blob store's putBlob does) and leave
   * nothing behind when the stream fails: a download cut mid-way is retried whole, while a
   * PodkitError from the sink (a digest mismatch) is not.
   */
  async fetchBlob(
    desc: { digest: string; size: number },
    sink: (stream: Readable) => Promise<void>,
  ): Promise<void> {
    assertDigest(desc.digest);
    await this.#withRetry(`blob ${desc.digest}`, async () => {
      const res = await this.#get(`blobs/${desc.digest}`, {});
      if (res.statusCode !== 200) {
        const codes = errorCodes(await readBody(res, 1 << 20).catch(() => Buffer.alloc(0)));
        throw registryError(
          res.statusCode === 404
            ? RuntimeErrorCode.REGISTRY_IMAGE_NOT_FOUND
            : RuntimeErrorCode.REGISTRY_ERROR,
          `${this.ref.host} answered HTTP ${String(res.statusCode)} for blob ${desc.digest} of ${repositoryName(this.ref)}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`,
        );
      }
      try {
        await sink(res);
      } catch (err) {
        res.destroy();
        if (err instanceof PodkitError || this.#o.signal?.aborted === true) throw err;
        throw new TransientError(
          RuntimeErrorCode.REGISTRY_UNREACHABLE,
          `download of blob ${desc.digest} from ${this.ref.host} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
    });
  }
}
