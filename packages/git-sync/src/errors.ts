import { PodkitError } from '@podkit/kit';

/**
 * The git-sync error catalogue. Every code here has a row in docs/errors.md; messages are
 * always redacted (no credentials) before they are built.
 */
export const GitSyncCode = {
  /** A git child process exited non-zero. */
  gitFailed: 'GIT_SYNC_GIT_FAILED',
  /** A git child process ran past its timeout and was killed. */
  gitTimeout: 'GIT_SYNC_GIT_TIMEOUT',
  /** `git` (or a hook program) could not be started at all. */
  spawnFailed: 'GIT_SYNC_SPAWN_FAILED',
  /** The operation was cancelled through its AbortSignal. */
  aborted: 'GIT_SYNC_ABORTED',
  /** --ref names nothing on the remote (deleted branch/tag, typo). */
  refNotFound: 'GIT_SYNC_REF_NOT_FOUND',
  /** A checked-out worktree did not match the commit it should hold. */
  worktreeInvalid: 'GIT_SYNC_WORKTREE_INVALID',
  /** The pre-publish hook rejected a revision (non-zero exit or timeout). */
  hookFailed: 'GIT_SYNC_HOOK_FAILED',
  /** The --root layout is unusable (e.g. --link exists and is not a symlink). */
  layoutInvalid: 'GIT_SYNC_LAYOUT_INVALID',
  /** A whole sync ran past --sync-timeout and was cancelled. */
  syncTimeout: 'GIT_SYNC_TIMEOUT',
  /** More consecutive failures than --max-failures allows. */
  tooManyFailures: 'GIT_SYNC_TOO_MANY_FAILURES',
  /** POST /webhook without a valid signature or token (answered 401, nothing fetched). */
  webhookUnauthorized: 'GIT_SYNC_WEBHOOK_UNAUTHORIZED',
  /** A --credential / --password-file problem: bad JSON, unreadable or empty password file. */
  credentialsInvalid: 'GIT_SYNC_CREDENTIALS_INVALID',
  /** A --git-config, --ssh-* or other option value git cannot be given as written. */
  optionInvalid: 'GIT_SYNC_OPTION_INVALID',
  /** A post-publish exec hook or outbound webhook failed (retried; never blocks syncs). */
  notifyFailed: 'GIT_SYNC_NOTIFY_FAILED',
  /** A failure that is not one of the above (a bug, or an unexpected system error). */
  unexpected: 'GIT_SYNC_UNEXPECTED',
} as const;

export type GitSyncCode = (typeof GitSyncCode)[keyof typeof GitSyncCode];

/** A failed child process: carries the (redacted) argv, exit status and stderr tail. */
export class GitCommandError extends PodkitError {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    code: GitSyncCode,
    message: string,
    details: {
      args: readonly string[];
      exitCode: number | null;
      stderr: string;
      cause?: unknown;
      hint?: string;
    },
  ) {
    super(code, message, {
      ...(details.cause === undefined ? {} : { cause: details.cause }),
      ...(details.hint === undefined ? {} : { hint: details.hint }),
    });
    this.name = 'GitCommandError';
    this.args = details.args;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}
