import type { ChildProcess, StdioOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { PodkitError, KitErrorCode } from './errors.js';

/**
 * node:child_process, loaded at the first spawn: kit is loaded by every podkit start (the CLI's
 * included), most of which spawn nothing, and that module with its dependencies (dgram, …) costs
 * a start ~2 ms to compile.
 */
let childProcess: typeof import('node:child_process') | undefined;
function spawn(...args: Parameters<typeof import('node:child_process').spawn>): ChildProcess {
  childProcess ??= createRequire(import.meta.url)(
    'node:child_process',
  ) as typeof import('node:child_process');
  return childProcess.spawn(...args);
}

export interface ExitStatus {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** How long the group has after `signal` before SIGKILL (default: the spawn's `graceMs`). */
  graceMs?: number;
  /** The polite signal (default SIGTERM). */
  signal?: NodeJS.Signals;
}

export interface SpawnGroupOptions {
  /** The child's whole environment, passed explicitly: nothing is inherited by accident. */
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Aborting stops the group (TERM, grace, KILL). */
  signal?: AbortSignal;
  /** Default: stdin ignored, stdout and stderr inherited. */
  stdio?: StdioOptions;
  /** Grace between SIGTERM and SIGKILL for `stop()` and abort (default 10000 ms). */
  graceMs?: number;
}

export interface ProcessGroup extends AsyncDisposable {
  /** The leader's PID, which is also the process group ID. */
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles when the leader exits (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal to every process in the group (no-op once the leader has exited). */
  kill(signal: NodeJS.Signals): void;
  /**
   * `signal` (SIGTERM) to the group, up to `graceMs` for the leader to exit, then SIGKILL to
   * the group — also after a timely exit, so no straggler outlives the leader (as a
   * container's processes die with its init). Idempotent: later calls share the first.
   */
  stop(options?: StopOptions): Promise<ExitStatus>;
}

/**
 * Sends `signal` to every process of the group led by `pid`; a group already gone is fine.
 * Only for a group started here whose leader may have exited (stragglers after `exited`).
 */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A group being started: the child at once, the ProcessGroup once it runs. */
export interface StartingGroup {
  /** The child, available at once (its stdio streams too). */
  readonly child: ChildProcess;
  /** Resolves once the child runs; rejects with `KIT_SPAWN_FAILED` when it cannot start. */
  readonly spawned: Promise<ProcessGroup>;
}

/**
 * `spawnGroup` for callers that must hand the child back synchronously (a held `runc run`):
 * starts `cmd` as the leader of its own process group and returns the child at once.
 * `spawned` is the ProcessGroup to stop it with (observe it: it rejects when the program
 * cannot start, and the child then emits `error`).
 *
 * @example
 *   const { child, spawned } = startGroup('runc', ['run', id], { env, stdio });
 *   child.stdout?.pipe(log);
 *   (await spawned).kill('SIGTERM');
 */
export function startGroup(
  cmd: string,
  args: readonly string[],
  options: SpawnGroupOptions,
): StartingGroup {
  const defaultGrace = options.graceMs ?? 10_000;
  const child = spawn(cmd, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
    // setsid(2): a new session and process group whose ID is the child's PID.
    detached: true,
    shell: false,
  });
  // Listening from the start: an 'exit' right after 'spawn' is not missed.
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });
  const spawned = new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new PodkitError(
          KitErrorCode.KIT_SPAWN_FAILED,
          `cannot run ${cmd}: ${err.code ?? err.message}`,
          {
            cause: err,
            hint:
              err.code === 'ENOENT'
                ? `is ${cmd} installed and on the PATH given in env?`
                : 'check the command and its working directory',
          },
        ),
      );
    };
    child.once('error', onError);
    child.once('spawn', () => {
      child.off('error', onError);
      resolve();
    });
  }).then((): ProcessGroup => {
    const pid = child.pid;
    if (pid === undefined) {
      throw new PodkitError(KitErrorCode.KIT_SPAWN_FAILED, `cannot run ${cmd}: no pid`);
    }
    let stopping: Promise<ExitStatus> | undefined;
    const stop = (stopOptions: StopOptions = {}): Promise<ExitStatus> => {
      stopping ??= (async () => {
        if (status === undefined) {
          killGroup(pid, stopOptions.signal ?? 'SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const grace = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, stopOptions.graceMs ?? defaultGrace);
          });
          await Promise.race([exited, grace]);
          clearTimeout(timer);
        }
        killGroup(pid, 'SIGKILL');
        return exited;
      })();
      return stopping;
    };

    const onAbort = (): void => {
      void stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void exited.then(() => options.signal?.removeEventListener('abort', onAbort));
    // An abort while the process was starting fired no listener yet.
    if (options.signal?.aborted === true) onAbort();

    return {
      pid,
      child,
      exited,
      kill: (signal) => {
        if (status === undefined) killGroup(pid, signal);
      },
      stop,
      [Symbol.asyncDispose]: async () => {
        await stop();
      },
    };
  });
  return { child, spawned };
}

/**
 * Spawns `cmd` with `args` (no shell) as the leader of its own process group, so the whole
 * tree it starts can be signalled together and stopped with TERM → grace → KILL.
 *
 * @example
 *   await using nginx = await spawnGroup('nginx', ['-g', 'daemon off;'], { env: { PATH: process.env.PATH } });
 *   await nginx.stop({ graceMs: 5000 });
 * @throws PodkitError `KIT_SPAWN_FAILED` when the program cannot be started (e.g. not found).
 */
export async function spawnGroup(
  cmd: string,
  args: readonly string[],
  options: SpawnGroupOptions,
): Promise<ProcessGroup> {
  options.signal?.throwIfAborted();
  return startGroup(cmd, args, options).spawned;
}
