import fs from 'node:fs/promises';
import { PodkitError } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';

/** One credential, as git-sync v4's `--credential` JSON: `{"url","username","password-file"}`. */
export interface CredentialEntry {
  /** The URL (prefix) these credentials apply to, matched by git's `credential.<url>.*`. */
  url: string;
  username?: string | undefined;
  /** Inline password (git-sync's `password`); prefer `passwordFile`. */
  password?: string | undefined;
  /** Read at every use, so a rotated secret is picked up by the next sync. */
  passwordFile?: string | undefined;
}

/**
 * Parses git-sync's `--credential` value: a JSON object, or (env GITSYNC_CREDENTIAL) a JSON
 * list of them. Keys: url (required), username, password, password-file.
 *
 * @example parseCredentials('{"url":"https://h/x","username":"u","password-file":"/s/pw"}')
 */
export function parseCredentials(json: string): CredentialEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // The text may hold a password: never echo it.
    throw new PodkitError(
      GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
      '--credential is not valid JSON',
      {
        hint: 'expected {"url":"…","username":"…","password-file":"…"} (or a JSON list of them)',
      },
    );
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.map((item, i) => {
    const where = `--credential entry ${i + 1}`;
    if (typeof item !== 'object' || item === null) {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
        `${where} is not a JSON object`,
      );
    }
    const o = item as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!['url', 'username', 'password', 'password-file'].includes(key)) {
        throw new PodkitError(
          GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
          `${where}: unknown key ${JSON.stringify(key)}`,
          { hint: 'keys: url, username, password, password-file' },
        );
      }
    }
    const str = (key: string): string | undefined => {
      const v = o[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') {
        throw new PodkitError(
          GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
          `${where}: ${key} must be a string`,
        );
      }
      return v;
    };
    const url = str('url');
    if (url === undefined || url === '') {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
        `${where}: url is required`,
      );
    }
    const entry: CredentialEntry = {
      url,
      username: str('username'),
      password: str('password'),
      passwordFile: str('password-file'),
    };
    if (entry.password !== undefined && entry.passwordFile !== undefined) {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
        `${where}: password and password-file are exclusive`,
      );
    }
    return entry;
  });
}

/** Env var names of entry `i` (read by the helper; never put in argv). */
const envName = (kind: 'USER' | 'PASSWORD' | 'FILE', i: number): string =>
  `PODKIT_GITSYNC_CRED_${i}_${kind}`;

/**
 * The credential helper for entry `i`. Git runs a `!` helper through /bin/sh, so the
 * snippet is a CONSTANT apart from the index: every user value (username, password, file
 * path) reaches it through environment variables, which the shell expands but never parses.
 * The password is printed by the shell's printf builtin (no child argv holds it), and a
 * password file is read with `cat` at every call, so a rotated secret needs no restart.
 */
function helperSnippet(i: number): string {
  const u = envName('USER', i);
  const p = envName('PASSWORD', i);
  const f = envName('FILE', i);
  return [
    '!f() {',
    'cat >/dev/null;', // drain git's request so it never sees EPIPE
    'test "$1" = get || exit 0;',
    `if [ -n "\${${u}-}" ]; then printf 'username=%s\\n' "$${u}"; fi;`,
    `if [ -n "\${${f}-}" ]; then pw=$(cat -- "$${f}") || exit 1; else pw=\${${p}-}; fi;`,
    `printf 'password=%s\\n' "$pw";`,
    '}; f',
  ].join(' ');
}

/** What git needs to use `entries`: GIT_CONFIG_* entries and the environment the helpers read. */
export interface CredentialSetup {
  config: Record<string, string>;
  env: Record<string, string>;
}

/**
 * Git config + env for credential entries: one `credential.<url>.helper` per entry. Paths in
 * a URL are honoured (`credential.useHttpPath`), so two repos on one host can use different
 * credentials.
 *
 * @example
 *   const { config, env } = credentialSetup([{ url: repo, username: 'bot', passwordFile: '/s/pw' }]);
 */
export function credentialSetup(entries: readonly CredentialEntry[]): CredentialSetup {
  const config: Record<string, string> = {};
  const env: Record<string, string> = {};
  entries.forEach((entry, i) => {
    const url = stripUserinfo(entry.url);
    config[`credential.${url}.helper`] = helperSnippet(i);
    if (entry.username !== undefined) env[envName('USER', i)] = entry.username;
    if (entry.passwordFile !== undefined) env[envName('FILE', i)] = entry.passwordFile;
    else if (entry.password !== undefined) env[envName('PASSWORD', i)] = entry.password;
    if (hasPath(url)) config['credential.useHttpPath'] = 'true';
  });
  return { config, env };
}

/**
 * The current secrets of `entries` (inline passwords and the present content of every
 * password file), to be registered with the redactor before a sync. An unreadable or empty
 * password file is an error with its own code, clearer than git's "could not read Password".
 */
export async function readCredentialSecrets(
  entries: readonly CredentialEntry[],
): Promise<string[]> {
  const secrets: string[] = [];
  for (const entry of entries) {
    if (entry.password !== undefined) secrets.push(entry.password);
    if (entry.passwordFile === undefined) continue;
    let text: string;
    try {
      text = await fs.readFile(entry.passwordFile, 'utf8');
    } catch (err) {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
        `cannot read password file ${entry.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        { hint: 'check the secret volume and --password-file', cause: err },
      );
    }
    const pw = text.replace(/\n+$/, '');
    if (pw === '') {
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_CREDENTIALS_INVALID,
        `password file ${entry.passwordFile} is empty`,
      );
    }
    secrets.push(pw);
  }
  return secrets;
}

function stripUserinfo(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

function hasPath(url: string): boolean {
  try {
    const p = new URL(url).pathname;
    return p !== '' && p !== '/';
  } catch {
    return false;
  }
}
