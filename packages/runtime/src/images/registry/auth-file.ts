import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../../errors.js';

/** A user name and password (or token) for one registry. Never logged. */
export interface Credentials {
  username: string;
  password: string;
}

/** Where credentials were looked for, in podman's order (containers-auth.json(5)). */
export function authFileCandidates(
  env: NodeJS.ProcessEnv = process.env,
  explicit?: string,
): string[] {
  // An explicit --authfile is the only file consulted, as with podman.
  if (explicit !== undefined) return [explicit];
  const out: string[] = [];
  if (env.REGISTRY_AUTH_FILE !== undefined && env.REGISTRY_AUTH_FILE !== '')
    out.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '')
    out.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  out.push(path.join(env.HOME ?? homedir(), '.docker', 'config.json'));
  return out;
}

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
}

/** `https://index.docker.io/v1/` → `docker.io`, `https://h:5000` → `h:5000`, `h/ns` kept. */
function normaliseKey(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  k = k.replace(/\/v[12]$/, '');
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') return 'docker.io';
  return k;
}

function decodeEntry(file: string, key: string, e: AuthEntry): Credentials {
  const bad = (why: string): PodkitError =>
    new PodkitError(
      RuntimeErrorCode.REGISTRY_AUTH_FILE_INVALID,
      `${file}: auths["${key}"] ${why}`,
      {
        hint: 'an entry is {"auth": base64("user:password")} or {"username": …, "password": …}',
      },
    );
  if (typeof e.auth === 'string' && e.auth !== '') {
    const text = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) throw bad('has an "auth" that is not base64 of "user:password"');
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string')
    return { username: e.username, password: e.password };
  throw bad('has neither "auth" nor "username" and "password"');
}

/**
 * The credentials for `domain/repository` from docker-style auth files (`{"auths": {…}}`),
 * looked up as podman does: the files in order, and in a file the most specific key
 * (`host/namespace/repo`, then `host/namespace`, then `host`). Missing files are skipped,
 * except an explicit one.
 *
 * @example
 *   await findCredentials('localhost:5000', 'team/app', { authFile: '/run/auth.json' });
 */
export async function findCredentials(
  domain: string,
  repository: string,
  options: { authFile?: string | undefined; env?: NodeJS.ProcessEnv | undefined } = {},
): Promise<Credentials | undefined> {
  const keys: string[] = [];
  const parts = repository.split('/');
  for (let i = parts.length; i >= 1; i--) keys.push(`${domain}/${parts.slice(0, i).join('/')}`);
  keys.push(domain);
  for (const file of authFileCandidates(options.env, options.authFile)) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (options.authFile === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT')
        continue;
      throw new PodkitError(
        RuntimeErrorCode.REGISTRY_AUTH_FILE_INVALID,
        `cannot read auth file ${file}: ${(err as Error).message}`,
        { hint: 'pass --authfile with a readable docker-style config.json', cause: err },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PodkitError(
        RuntimeErrorCode.REGISTRY_AUTH_FILE_INVALID,
        `${file} is not valid JSON`,
        {
          hint: 'an auth file looks like {"auths": {"host:port": {"auth": "base64(user:password)"}}}',
          cause: err,
        },
      );
    }
    const auths = (json as { auths?: unknown } | null)?.auths;
    if (auths === undefined || auths === null || typeof auths !== 'object') continue;
    const byKey = new Map<string, [string, AuthEntry]>();
    for (const [k, v] of Object.entries(auths as Record<string, AuthEntry>))
      byKey.set(normaliseKey(k), [k, v]);
    for (const k of keys) {
      const hit = byKey.get(k);
      if (hit !== undefined) return decodeEntry(file, hit[0], hit[1]);
    }
  }
  return undefined;
}
