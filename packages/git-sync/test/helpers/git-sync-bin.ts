import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { binArgv } from '../../../kit/test/bin-under-test.js';

/**
 * Starts `podkit-git-sync` (from its sources through tsx, or its bundle: binArgv) with `args`, and an environment of
 * PATH plus `env` only — so no GITSYNC_* variable of the caller leaks in.
 */
export function startGitSync(
  args: readonly string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...binArgv('git-sync', 'main', 'podkit-git-sync'), ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
  });
}

/** A started git-sync's standard output as it arrives (its JSON log lines). */
export interface CollectedStdout {
  /** Everything written so far. */
  text(): string;
  /** The URL of its "http listening" log line, once it has logged one. */
  listeningUrl(): string | undefined;
}

/** Collects `child`'s stdout from now on. */
export function collectStdout(child: ChildProcessWithoutNullStreams): CollectedStdout {
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return {
    text: () => out,
    listeningUrl: () => {
      for (const line of out.split('\n')) {
        if (line.includes('"http listening"')) return (JSON.parse(line) as { url: string }).url;
      }
      return undefined;
    },
  };
}
