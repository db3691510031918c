import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/**
 * Starts `podkit-git-sync` from its sources (through tsx) with `args`, and an environment of
 * PATH plus `env` only — so no GITSYNC_* variable of the caller leaks in.
 */
export function startGitSync(
  args: readonly string[],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--conditions=podkit-source', '--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
  });
}
