import { spawn } from 'node:child_process';

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
 * so that a timeout or abort stops the whole tree (git spawns git-remote-https, ssh, ...).
 * Resolves with the outcome whatever the exit status; rejects only when the program cannot be
 * started (the error from spawn, e.g. ENOENT).
 *
 * @example
 *   const r = await runProcess('git', ['--version'], { env: { PATH: '/usr/bin' } });
 */
export function runProcess(
  file: string,
  args: readonly string[],
  options: RunProcessOptions,
): Promise<RunProcessResult> {
  const grace = options.killGraceMs ?? 2000;
  const maxStdout = options.maxStdoutBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted === true) {
      resolve({ stdout: '', stderr: '', exitCode: null, signal: null, killedFor: 'abort' });
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true, // own process group: kill(-pid) reaches every descendant
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    if (child.pid !== undefined) options.onSpawned?.(child.pid);
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let killedFor: RunProcessResult['killedFor'];
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let exited = false;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = (why: 'timeout' | 'abort'): void => {
      if (exited || killedFor !== undefined) return;
      killedFor = why;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => {
        killGroup('SIGKILL');
      }, grace);
      killTimer.unref();
    };
    const onAbort = (): void => {
      stop('abort');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      timeoutTimer = setTimeout(() => {
        stop('timeout');
      }, options.timeoutMs);
    }
    const cleanup = (): void => {
      options.signal?.removeEventListener('abort', onAbort);
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      if (killTimer !== undefined) clearTimeout(killTimer);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (outBytes >= maxStdout) return;
      out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > STDERR_TAIL) err = err.subarray(err.length - STDERR_TAIL);
    });
    child.stdin.on('error', () => {
      // EPIPE when the child exits without reading stdin; its exit status tells the story.
    });
    child.stdin.end(options.stdin ?? '');

    child.on('error', (e) => {
      exited = true;
      cleanup();
      reject(e);
    });
    child.on('exit', () => {
      exited = true;
    });
    child.on('close', (exitCode, signal) => {
      exited = true;
      cleanup();
      // A grandchild may survive its parent in the same group; it must not outlive the run.
      if (killedFor !== undefined) killGroup('SIGKILL');
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: err.toString('utf8'),
        exitCode,
        signal,
        killedFor,
      });
    });
  });
}
