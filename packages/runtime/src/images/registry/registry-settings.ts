import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../../errors.js';

/** How podkit reaches registries: which ones speak plain HTTP, extra CAs, the auth file. */
export interface RegistrySettings {
  /** `host:port` (or `host`) entries reached over plain HTTP. Nothing else ever is. */
  insecureRegistries: string[];
  /** PEM files of extra CAs trusted for every registry (besides the system's). */
  caFiles: string[];
  /** Directory of per-registry CA certificates, `<dir>/<host:port>/*.crt` (podman's certs.d). */
  certsDir: string;
  /** A docker-style auth file; undefined: podman's lookup order. */
  authFile?: string | undefined;
  /** The registries.json these came from (named in messages saying what to change). */
  file?: string | undefined;
}

export const DEFAULT_CERTS_DIR = '/etc/containers/certs.d';

/** The state root's `registries.json`: `{"insecureRegistries": [...], "caFiles": [...], "authFile": "..."}`. */
export const registriesFile = (stateRoot: string): string =>
  path.join(stateRoot, 'registries.json');

function stringList(file: string, v: unknown, field: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new PodkitError(
      RuntimeErrorCode.REGISTRY_CONFIG_INVALID,
      `${file}: "${field}" must be a list of strings`,
    );
  return v;
}

/**
 * The registry settings of a state root (its `registries.json`, absent = defaults), with
 * command-line additions: `--insecure-registry` and `--ca-file` add to the lists, `--authfile`
 * replaces the file.
 *
 * @example
 *   await loadRegistrySettings('/var/lib/podkit', { insecureRegistries: ['127.0.0.1:5000'] });
 */
export async function loadRegistrySettings(
  stateRoot: string,
  extra: Partial<RegistrySettings> = {},
): Promise<RegistrySettings> {
  const file = registriesFile(stateRoot);
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not a JSON object');
    json = parsed as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new PodkitError(
        RuntimeErrorCode.REGISTRY_CONFIG_INVALID,
        `${file}: ${(err as Error).message}`,
        {
          hint: 'registries.json is {"insecureRegistries": ["host:port"], "caFiles": ["/path/ca.pem"], "authFile": "/path/auth.json"}',
          cause: err,
        },
      );
  }
  const authFile =
    extra.authFile ?? (typeof json.authFile === 'string' ? json.authFile : undefined);
  return {
    insecureRegistries: [
      ...stringList(file, json.insecureRegistries, 'insecureRegistries'),
      ...(extra.insecureRegistries ?? []),
    ],
    caFiles: [...stringList(file, json.caFiles, 'caFiles'), ...(extra.caFiles ?? [])],
    certsDir:
      extra.certsDir ?? (typeof json.certsDir === 'string' ? json.certsDir : DEFAULT_CERTS_DIR),
    ...(authFile === undefined ? {} : { authFile }),
    file,
  };
}

/** True when `host` (host[:port]) is marked insecure (an entry without a port covers every port). */
export function isInsecure(settings: RegistrySettings, host: string): boolean {
  const bare = host.replace(/:\d+$/, '');
  return settings.insecureRegistries.some((e) => e === host || e === bare);
}

/** The PEM texts of the extra CAs for `host`: the settings' files and `certs.d/<host>/*.crt`. */
export async function extraCaCerts(settings: RegistrySettings, host: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of settings.caFiles) {
    try {
      out.push(await readFile(f, 'utf8'));
    } catch (err) {
      throw new PodkitError(
        RuntimeErrorCode.REGISTRY_CONFIG_INVALID,
        `cannot read CA file ${f}: ${(err as Error).message}`,
        {
          hint: 'pass --ca-file with a readable PEM certificate',
          cause: err,
        },
      );
    }
  }
  const dir = path.join(settings.certsDir, host);
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    // No directory for this registry: only the system CAs.
  }
  for (const n of names.filter((n) => n.endsWith('.crt')).sort())
    out.push(await readFile(path.join(dir, n), 'utf8'));
  return out;
}
