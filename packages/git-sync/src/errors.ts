import { PodkitError } from '@podkit/kit';

/**
 * The git-sync error catalogue: every code git-sync throws, declared once (each has a row in
 * docs/errors.md). Messages are always redacted (no credentials) before they are built.
 */
export const GitSyncErrorCode = {
  /** A git child process exited non-zero. */
  GIT_SYNC_GIT_FAILED: 'GIT_SYNC_GIT_FAILED',
  /** A git child process ran past its timeout and was killed. */
  GIT_SYNC_GIT_TIMEOUT: 'GIT_SYNC_GIT_TIMEOUT',
  /** `git` (or a hook program) could not be started at all. */
  GIT_SYNC_SPAWN_FAILED: 'GIT_SYNC_SPAWN_FAILED',
  /** The operation was cancelled through its AbortSignal. */
  GIT_SYNC_ABORTED: 'GIT_SYNC_ABORTED',
  /** --ref names nothing on the remote (deleted branch/tag, typo). */
  GIT_SYNC_REF_NOT_FOUND: 'GIT_SYNC_REF_NOT_FOUND',
  /** A checked-out worktree did not match the commit it should hold. */
  GIT_SYNC_WORKTREE_INVALID: 'GIT_SYNC_WORKTREE_INVALID',
  /** The pre-publish hook rejected a revision (non-zero exit or timeout). */
  GIT_SYNC_HOOK_FAILED: 'GIT_SYNC_HOOK_FAILED',
  /** The --root layout is unusable (e.g. --link exists and is not a symlink). */
  GIT_SYNC_LAYOUT_INVALID: 'GIT_SYNC_LAYOUT_INVALID',
  /** A whole sync ran past --sync-timeout and was cancelled. */
  GIT_SYNC_TIMEOUT: 'GIT_SYNC_TIMEOUT',
  /** More consecutive failures than --max-failures allows. */
  GIT_SYNC_TOO_MANY_FAILURES: 'GIT_SYNC_TOO_MANY_FAILURES',
  /** POST /webhook without a valid signature or token (answered 401, nothing fetched). */
  GIT_SYNC_WEBHOOK_UNAUTHORIZED: 'GIT_SYNC_WEBHOOK_UNAUTHORIZED',
  /** A --credential / --password-file problem: bad JSON, unreadable or empty password file. */
  GIT_SYNC_CREDENTIALS_INVALID: 'GIT_SYNC_CREDENTIALS_INVALID',
  /** A --git-config, --ssh-* or other option value git cannot be given as written. */
  GIT_SYNC_OPTION_INVALID: 'GIT_SYNC_OPTION_INVALID',
  /** A post-publish exec hook or outbound webhook failed (retried; never blocks syncs). */
  GIT_SYNC_NOTIFY_FAILED: 'GIT_SYNC_NOTIFY_FAILED',
  /** A failure that is not one of the above (a bug, or an unexpected system error). */
  GIT_SYNC_UNEXPECTED: 'GIT_SYNC_UNEXPECTED',
} as const;

export type GitSyncErrorCode = (typeof GitSyncErrorCode)[keyof typeof GitSyncErrorCode];

/** A failed child process: carries the (redacted) argv, exit status and stderr tail. */
export class GitCommandError extends PodkitError {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(
    code: GitSyncErrorCode,
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
