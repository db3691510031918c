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
    repo: {
      envAliases: ['GIT_SYNC_REPO'],
      type: 'string',
      required: true,
      description: 'the git repository to sync',
    },
    ref: {
      type: 'string',
      default: 'HEAD',
      description: 'branch, tag or full SHA; HEAD is the remote default branch',
    },
    depth: {
      envAliases: ['GIT_SYNC_DEPTH'],
      type: 'int',
      default: 1,
      min: 0,
      description: 'shallow clone depth; 0 = full history',
    },
    submodules: {
      envAliases: ['GIT_SYNC_SUBMODULES'],
      type: 'enum',
      choices: ['recursive', 'shallow', 'off'],
      default: 'recursive',
      description: 'submodules: recursive, shallow (top level only) or off',
    },
    sparseCheckoutFile: {
      envAliases: ['GIT_SYNC_SPARSE_CHECKOUT_FILE'],
      type: 'string',
      description: 'a sparse-checkout pattern file (non-cone), re-read for every new revision',
    },
    root: {
      envAliases: ['GIT_SYNC_ROOT'],
      type: 'string',
      required: true,
      description: 'the directory git-sync owns',
    },
    link: {
      envAliases: ['GIT_SYNC_LINK'],
      type: 'string',
      default: '',
      description: 'the symlink to publish, relative to --root (default: the leaf of --repo)',
    },
    period: {
      envAliases: ['GIT_SYNC_PERIOD'],
      type: 'duration',
      default: '10s',
      description: 'time between syncs',
    },
    syncTimeout: {
      envAliases: ['GIT_SYNC_SYNC_TIMEOUT'],
      type: 'duration',
      default: '120s',
      description: 'bound on one sync',
    },
    oneTime: {
      envAliases: ['GIT_SYNC_ONE_TIME'],
      type: 'boolean',
      description: 'exit after the first successful sync',
    },
    maxFailures: {
      envAliases: ['GIT_SYNC_MAX_FAILURES'],
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
    touchFile: {
      envAliases: ['GIT_SYNC_TOUCH_FILE'],
      type: 'string',
      description: 'touched after every successful sync',
    },
    errorFile: {
      envAliases: ['GIT_SYNC_ERROR_FILE'],
      type: 'string',
      description: 'holds the last error (redacted); removed after a success',
    },
    username: {
      envAliases: ['GIT_SYNC_USERNAME'],
      type: 'string',
      description: 'user name for HTTP(S) auth of --repo',
    },
    password: {
      envAliases: ['GIT_SYNC_PASSWORD'],
      type: 'string',
      secret: true,
      description: 'password for --repo (insecure: prefer --password-file)',
    },
    passwordFile: {
      envAliases: ['GIT_SYNC_PASSWORD_FILE'],
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
      envAliases: ['GIT_SYNC_SSH_KEY_FILE', 'GIT_SSH_KEY_FILE'],
      type: 'list',
      description: 'SSH private key(s) (default /etc/git-secret/ssh when it exists)',
    },
    sshKnownHosts: {
      envAliases: ['GIT_SYNC_KNOWN_HOSTS', 'GIT_KNOWN_HOSTS'],
      type: 'boolean',
      default: true,
      description: 'verify the SSH host key against --ssh-known-hosts-file',
    },
    sshKnownHostsFile: {
      envAliases: ['GIT_SYNC_SSH_KNOWN_HOSTS_FILE', 'GIT_SSH_KNOWN_HOSTS_FILE'],
      type: 'string',
      default: '/etc/git-secret/known_hosts',
      description: 'known_hosts file for SSH host key checking',
    },
    gitConfig: {
      envAliases: ['GIT_SYNC_GIT_CONFIG'],
      type: 'string',
      description: 'extra git config: key:value[,key:value] (quote with "…" to hold , or :)',
    },
    groupWrite: {
      envAliases: ['GIT_SYNC_GROUP_WRITE'],
      type: 'boolean',
      description: 'make everything under --root group-writable (umask 002, shared repo)',
    },
    exechookCommand: {
      envAliases: ['GIT_SYNC_EXECHOOK_COMMAND'],
      type: 'string',
      description: 'program run in the new tree after each publish (async, retried)',
    },
    exechookTimeout: {
      envAliases: ['GIT_SYNC_EXECHOOK_TIMEOUT'],
      type: 'duration',
      default: '30s',
      description: 'bound on the exechook',
    },
    exechookBackoff: {
      envAliases: ['GIT_SYNC_EXECHOOK_BACKOFF'],
      type: 'duration',
      default: '3s',
      description: 'first retry delay of a failed exechook (doubles, max 60s)',
    },
    webhookUrl: {
      envAliases: ['GIT_SYNC_WEBHOOK_URL'],
      type: 'string',
      description: 'URL notified after each publish (header Gitsync-Hash; async, retried)',
    },
    webhookMethod: {
      envAliases: ['GIT_SYNC_WEBHOOK_METHOD'],
      type: 'string',
      default: 'POST',
      description: 'method of the webhook',
    },
    webhookSuccessStatus: {
      envAliases: ['GIT_SYNC_WEBHOOK_SUCCESS_STATUS'],
      type: 'int',
      default: 200,
      min: -1,
      description: 'status meaning success; 0 (as git-sync) or -1 = any',
    },
    webhookTimeout: {
      envAliases: ['GIT_SYNC_WEBHOOK_TIMEOUT'],
      type: 'duration',
      default: '1s',
      description: 'bound on one webhook call',
    },
    webhookBackoff: {
      envAliases: ['GIT_SYNC_WEBHOOK_BACKOFF'],
      type: 'duration',
      default: '3s',
      description: 'first retry delay of a failed webhook (doubles, max 60s)',
    },
    httpMetrics: {
      envAliases: ['GIT_SYNC_HTTP_METRICS'],
      type: 'boolean',
      default: true,
      description: "export git-sync's metrics on /metrics",
    },
    httpBind: {
      envAliases: ['GIT_SYNC_HTTP_BIND'],
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
    syncOnSignal: {
      type: 'string',
      envAliases: ['GIT_SYNC_SYNC_ON_SIGNAL'],
      description: 'sync at once on this signal (e.g. SIGHUP), as well as every period',
    },
    git: {
      type: 'string',
      default: 'git',
      envAliases: ['GIT_SYNC_GIT'],
      description: 'the git program (looked up on PATH)',
    },
    verbose: {
      type: 'int',
      default: 0,
      min: 0,
      description:
        "git-sync's log verbosity; accepted for compatibility (>= 4 logs at debug level)",
    },
    addUser: {
      type: 'boolean',
      envAliases: ['GIT_SYNC_ADD_USER'],
      description:
        'accepted for compatibility and ignored: podkit-git-sync never edits /etc/passwd',
    },
    httpPprof: {
      type: 'boolean',
      envAliases: ['GIT_SYNC_HTTP_PPROF'],
      description: 'accepted for compatibility; there is no pprof in Node (use --inspect)',
    },
    gitGc: {
      type: 'enum',
      choices: ['auto', 'always', 'aggressive', 'off'],
      default: 'auto',
      envAliases: ['GIT_SYNC_GIT_GC'],
      description: 'accepted for compatibility; git gc runs in its automatic mode (gc.auto)',
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
