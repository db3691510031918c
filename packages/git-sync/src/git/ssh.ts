/** SSH transport settings (git-sync's --ssh-key-file, --ssh-known-hosts, --ssh-known-hosts-file). */
export interface SshOptions {
  /** Private keys offered, in order. */
  keyFiles: readonly string[];
  /** Verify the server key (StrictHostKeyChecking=yes) against `knownHostsFile`. */
  knownHosts: boolean;
  knownHostsFile: string;
  /** The ssh program. Default `ssh`. */
  program?: string | undefined;
}

/**
 * Quotes one word for /bin/sh: single quotes, each embedded `'` closed, escaped and reopened.
 * The result is always one word whatever the input (spaces, `$`, backticks, newlines).
 *
 * @example shellQuote("it's") // "'it'\\''s'"
 */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The GIT_SSH_COMMAND value. Git hands it to /bin/sh, so every element is quoted: a key path
 * with spaces or shell syntax stays a single argument and is never interpreted. BatchMode
 * forbids prompts; IdentitiesOnly keeps ssh from trying agent keys or ~/.ssh defaults.
 *
 * @example sshCommand({ keyFiles: ['/etc/git-secret/ssh'], knownHosts: true, knownHostsFile: '/etc/git-secret/known_hosts' })
 */
export function sshCommand(o: SshOptions): string {
  const argv = [o.program ?? 'ssh', '-o', 'BatchMode=yes'];
  if (o.knownHosts) {
    argv.push('-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${o.knownHostsFile}`);
  } else {
    argv.push('-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null');
  }
  if (o.keyFiles.length > 0) argv.push('-o', 'IdentitiesOnly=yes');
  for (const key of o.keyFiles) argv.push('-i', key);
  return argv.map(shellQuote).join(' ');
}
