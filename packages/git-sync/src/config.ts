import { defineConfig, standardOptions, type ConfigOf } from '@podkit/kit';

/**
 * Flags and GITSYNC_* env vars, named as in kubernetes/git-sync v4 where the option exists
 * there (so a pod written for git-sync keeps working); podkit's additions are marked.
 */
export const gitSyncConfig = defineConfig({
  name: 'podkit-git-sync',
  description:
    'Keeps <root>/<link> pointing at a complete checkout of a git repository, published atomically.',
  envPrefix: 'GITSYNC_',
  options: {
    ...standardOptions,
    repo: { type: 'string', required: true, description: 'the git repository to sync' },
    ref: {
      type: 'string',
      default: 'HEAD',
      description: 'branch, tag or full SHA; HEAD is the remote default branch',
    },
    depth: {
      type: 'int',
      default: 1,
      min: 0,
      description: 'shallow clone depth; 0 = full history',
    },
    submodules: {
      type: 'enum',
      choices: ['recursive', 'shallow', 'off'],
      default: 'recursive',
      description: 'submodules: recursive, shallow (top level only) or off',
    },
    sparseCheckoutFile: {
      type: 'string',
      description: 'a sparse-checkout pattern file (non-cone), re-read for every new revision',
    },
    root: { type: 'string', required: true, description: 'the directory git-sync owns' },
    link: {
      type: 'string',
      default: '',
      description: 'the symlink to publish, relative to --root (default: the leaf of --repo)',
    },
    period: { type: 'duration', default: '10s', description: 'time between syncs' },
    syncTimeout: { type: 'duration', default: '120s', description: 'bound on one sync' },
    oneTime: { type: 'boolean', description: 'exit after the first successful sync' },
    maxFailures: {
      type: 'int',
      default: -1,
      min: -1,
      description: 'consecutive failures tolerated before exiting; -1 = never (podkit default)',
    },
    staleWorktreeTimeout: {
      type: 'duration',
      default: 0,
      description: 'keep superseded trees at least this long',
    },
    keep: {
      type: 'int',
      default: 2,
      min: 1,
      description: 'trees kept, counting the live one (podkit)',
    },
    touchFile: { type: 'string', description: 'touched after every successful sync' },
    errorFile: {
      type: 'string',
      description: 'holds the last error (redacted); removed after a success',
    },
    username: { type: 'string', description: 'user name for HTTP(S) auth of --repo' },
    password: {
      type: 'string',
      secret: true,
      description: 'password for --repo (insecure: prefer --password-file)',
    },
    passwordFile: {
      type: 'string',
      description: 'file holding the password for --repo, re-read at every sync',
    },
    credential: {
      type: 'list',
      env: false,
      secret: true,
      description:
        'JSON {"url","username","password-file"|"password"}; repeatable (env GITSYNC_CREDENTIAL: a JSON list)',
    },
    sshKeyFile: {
      type: 'list',
      description: 'SSH private key(s) (default /etc/git-secret/ssh when it exists)',
    },
    sshKnownHosts: {
      type: 'boolean',
      default: true,
      description: 'verify the SSH host key against --ssh-known-hosts-file',
    },
    sshKnownHostsFile: {
      type: 'string',
      default: '/etc/git-secret/known_hosts',
      description: 'known_hosts file for SSH host key checking',
    },
    gitConfig: {
      type: 'string',
      description: 'extra git config: key:value[,key:value] (quote with "…" to hold , or :)',
    },
    groupWrite: {
      type: 'boolean',
      description: 'make everything under --root group-writable (umask 002, shared repo)',
    },
    exechookCommand: {
      type: 'string',
      description: 'program run in the new tree after each publish (async, retried)',
    },
    exechookTimeout: { type: 'duration', default: '30s', description: 'bound on the exechook' },
    exechookBackoff: {
      type: 'duration',
      default: '3s',
      description: 'first retry delay of a failed exechook (doubles, max 60s)',
    },
    webhookUrl: {
      type: 'string',
      description: 'URL notified after each publish (header Gitsync-Hash; async, retried)',
    },
    webhookMethod: { type: 'string', default: 'POST', description: 'method of the webhook' },
    webhookSuccessStatus: {
      type: 'int',
      default: 200,
      min: -1,
      description: 'status meaning success; -1 = any',
    },
    webhookTimeout: { type: 'duration', default: '1s', description: 'bound on one webhook call' },
    webhookBackoff: {
      type: 'duration',
      default: '3s',
      description: 'first retry delay of a failed webhook (doubles, max 60s)',
    },
    httpMetrics: {
      type: 'boolean',
      default: true,
      description: "export git-sync's metrics on /metrics",
    },
    httpBind: {
      type: 'hostport',
      description: 'serve /healthz, /readyz, /status, /metrics, /webhook',
    },
    readyStaleness: {
      type: 'duration',
      default: 0,
      description:
        '/readyz fails when the last success is older (0 = 3 periods + sync timeout) (podkit)',
    },
    prepublishCommand: {
      type: 'string',
      description:
        'program run in the new tree before the flip; non-zero exit keeps the old one (podkit)',
    },
    prepublishTimeout: {
      type: 'duration',
      default: '30s',
      description: 'bound on the pre-publish hook',
    },
    inboundGithubSecret: {
      type: 'string',
      secret: true,
      description: 'accept POST /webhook signed with this GitHub secret (podkit)',
    },
    inboundGitlabToken: {
      type: 'string',
      secret: true,
      description: 'accept POST /webhook with this X-Gitlab-Token (podkit)',
    },
    inboundToken: {
      type: 'string',
      secret: true,
      description: 'accept POST /webhook with Authorization: Bearer <token> (podkit)',
    },
  },
});

export type GitSyncConfig = ConfigOf<typeof gitSyncConfig>;

/** git-sync's default --link: the last path element of the repo, without `.git`. */
export function defaultLink(repo: string): string {
  const trimmed = repo.replace(/[/]+$/, '').replace(/\.git$/, '');
  const leaf = trimmed.split(/[/:]/).pop() ?? '';
  return leaf === '' ? 'current' : leaf;
}
