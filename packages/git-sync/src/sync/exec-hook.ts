import { PodkitError } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';
import { runProcess } from '../git/run-process.js';
import type { PrePublishContext } from './engine.js';

export interface ExecHookOptions {
  /** Default 30 s. */
  timeoutMs?: number | undefined;
  /** Names the hook in errors. Default `pre-publish hook`. */
  label?: string | undefined;
  /** Extra environment for the hook (PATH is passed; nothing else of ours is). */
  env?: Readonly<Record<string, string>> | undefined;
}

/**
 * A pre-publish gate that runs a program (argv, no shell) inside the new tree with
 * GITSYNC_HASH set, as git-sync's exec hooks are run. Exit 0 lets the flip happen; anything
 * else (or the timeout) keeps the old tree live with GIT_SYNC_HOOK_FAILED.
 *
 * @example new SyncEngine({ ..., prePublish: execHook(['/hooks/validate', '--strict']) })
 */
export function execHook(
  argv: readonly string[],
  options: ExecHookOptions = {},
): (ctx: PrePublishContext) => Promise<void> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('execHook: empty command');
  return async ({ sha, path, signal }) => {
    let result;
    try {
      result = await runProcess(file, args, {
        cwd: path,
        signal,
        timeoutMs: options.timeoutMs ?? 30_000,
        env: {
          PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
          ...options.env,
          GITSYNC_HASH: sha,
        },
      });
    } catch (cause) {
      throw new PodkitError(GitSyncErrorCode.GIT_SYNC_SPAWN_FAILED, `cannot start hook ${file}`, {
        cause,
      });
    }
    if (result.killedFor === 'abort') {
      throw new PodkitError(GitSyncErrorCode.GIT_SYNC_ABORTED, `hook ${file}: cancelled`);
    }
    if (result.killedFor !== undefined || result.exitCode !== 0) {
      const why =
        result.killedFor === 'timeout'
          ? 'timed out'
          : `exit ${result.exitCode ?? String(result.signal)}`;
      const tail = result.stderr.trim().split('\n').slice(-3).join(' | ');
      throw new PodkitError(
        GitSyncErrorCode.GIT_SYNC_HOOK_FAILED,
        `${options.label ?? 'pre-publish hook'} ${file} rejected ${sha} (${why})${tail === '' ? '' : `: ${tail}`}`,
        { hint: 'the previous tree stays live; fix the commit or the hook' },
      );
    }
  };
}
