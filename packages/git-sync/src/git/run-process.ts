import { isPodkitError, KitErrorCode, runGroup } from '@podkit/kit';
/** How to run one child process. The environment is explicit: nothing is inherited. */
export interface RunProcessOptions {
  /** The complete environment of the child (process.env is NOT merged in). */
  env: Readonly<Record<string, string>>;
  cwd?: string | undefined;
  /** Cancels the run: the child's process group gets SIGTERM, then SIGKILL after the grace. */
  signal?: AbortSignal | undefined;
  /** Kills the child (as for `signal`) when it runs longer than this. */
  timeoutMs?: number | undefined;
  /** Written to the child's stdin, which is then closed (how secrets reach a child). */
  stdin?: string | undefined;
  /** Time between SIGTERM and SIGKILL. Default 2000 ms. */
  killGraceMs?: number | undefined;
  /** stdout beyond this many bytes is dropped (stderr keeps its last 64 KiB). Default 64 MiB. */
  maxStdoutBytes?: number | undefined;
  /** Called with the child's pid (= its process group id) once it is started. */
  onSpawned?: ((pid: number) => void) | undefined;
}

export interface RunProcessResult {
  stdout: string;
  /** The last 64 KiB of stderr. */
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why the child was killed by us, if it was. */
  killedFor: 'timeout' | 'abort' | undefined;
}

const STDERR_TAIL = 64 * 1024;

/**
 * Runs `file` with `args` (argv only: no shell ever parses them) in its own process group,
 * so that a timeout or abort stops the whole tree (git spawns git-remote-https, ssh, ...);
 * kit's `runGroup` does the spawning. Resolves with the outcome whatever the exit status;
 * rejects only when the program cannot be started (the error from spawn, e.g. ENOENT).
 *
 * @example
 *   const r = await runProcess('git', ['--version'], { env: { PATH: '/usr/bin' } });
 */
export async function runProcess(
  file: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<RunProcessResult> {
  let run;
  try {
    run = await runGroup(file, args, {
      env: options.env,
      cwd: options.cwd,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      input: options.stdin ?? '',
      graceMs: options.killGraceMs ?? 2000,
      maxOutputBytes: options.maxStdoutBytes ?? 64 * 1024 * 1024,
      overflow: 'truncate',
      onSpawned: options.onSpawned,
    });
  } catch (err) {
    // Callers word their own message from the spawn error (ENOENT: git not installed).
    if (isPodkitError(err, KitErrorCode.KIT_SPAWN_FAILED) && err.cause instanceof Error) {
      throw err.cause;
    }
    throw err;
  }
  if (run.stoppedFor === 'output') throw new Error('unreachable: output is truncated');
  return {
    stdout: run.stdout,
    stderr: run.stderr.length > STDERR_TAIL ? run.stderr.slice(-STDERR_TAIL) : run.stderr,
    exitCode: run.code,
    signal: run.signal,
    killedFor: run.stoppedFor,
  };
}
