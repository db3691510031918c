import fs from 'node:fs';
import { credentialSetup, parseCredentials, type CredentialEntry } from './credentials.js';
import { sshCommand } from './ssh.js';

/** The auth-related options, as parsed from flags/env. */
export interface AuthOptions {
  repo: string;
  username?: string | undefined;
  password?: string | undefined;
  passwordFile?: string | undefined;
  /** Raw --credential values (each a JSON object or list). */
  credentials: readonly string[];
  sshKeyFiles: readonly string[];
  sshKnownHosts: boolean;
  sshKnownHostsFile: string;
}

export interface AuthSetup {
  entries: CredentialEntry[];
  config: Record<string, string>;
  env: Record<string, string>;
}

const DEFAULT_SSH_KEY = '/etc/git-secret/ssh';

/**
 * Turns git-sync's auth options into git config (credential helpers) and environment
 * (helper inputs, GIT_SSH_COMMAND). --username/--password(-file) are a credential for
 * --repo; --credential entries add more (e.g. for submodules on other hosts).
 *
 * @example const { entries, config, env } = authSetup({ repo, passwordFile: '/s/pw', ... });
 */
export function authSetup(o: AuthOptions): AuthSetup {
  const entries: CredentialEntry[] = [];
  if (o.username !== undefined || o.password !== undefined || o.passwordFile !== undefined) {
    entries.push({
      url: o.repo,
      username: o.username,
      password: o.passwordFile === undefined ? o.password : undefined,
      passwordFile: o.passwordFile,
    });
  }
  for (const raw of o.credentials) entries.push(...parseCredentials(raw));
  const { config, env } = credentialSetup(entries);
  let keys = [...o.sshKeyFiles];
  // git-sync's default key path, used only when it is there (a secret volume mounted).
  if (keys.length === 0 && fs.existsSync(DEFAULT_SSH_KEY)) keys = [DEFAULT_SSH_KEY];
  env['GIT_SSH_COMMAND'] = sshCommand({
    keyFiles: keys,
    knownHosts: o.sshKnownHosts,
    knownHostsFile: o.sshKnownHostsFile,
  });
  return { entries, config, env };
}
