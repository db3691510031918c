import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { finished } from 'node:stream/promises';
import { PodkitError, KitErrorCode } from './errors.js';

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

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
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
  const defaultGrace = options.graceMs ?? 10_000;
  const child = spawn(cmd, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
    // setsid(2): a new session and process group whose ID is the child's PID.
    detached: true,
    shell: false,
  });
  await new Promise<void>((resolve, reject) => {
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
  });
  const pid = child.pid;
  if (pid === undefined)
    throw new PodkitError(KitErrorCode.KIT_SPAWN_FAILED, `cannot run ${cmd}: no pid`);

  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      status = { code, signal };
      resolve(status);
    });
  });

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
}

/* ───────────────────────────── runCommand ───────────────────────────── */

export interface RunCommandOptions {
  /** The child's whole environment (e.g. `{ PATH, HOME, GIT_TERMINAL_PROMPT: '0' }`). */
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Kill the group and fail with `KIT_COMMAND_TIMEOUT` after this long. */
  timeoutMs?: number;
  /** Aborting kills the group and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Written to stdin (closed afterwards); stdin is /dev/null otherwise. */
  input?: string | Buffer;
  /** More output than this (stdout + stderr) kills the group: `KIT_COMMAND_OUTPUT_LIMIT`. */
  maxOutputBytes?: number;
  /** Grace between SIGTERM and SIGKILL on timeout or abort (default 2000 ms). */
  graceMs?: number;
  /** Resolve with a non-zero exit instead of throwing `KIT_COMMAND_FAILED`. */
  allowFailure?: boolean;
}

export interface CommandResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** A command that failed, timed out or said too much; carries what it printed. */
export class CommandError extends PodkitError {
  readonly command: string;
  readonly status: ExitStatus | undefined;
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    code: string,
    message: string,
    details: {
      command: string;
      status?: ExitStatus;
      stdout: string;
      stderr: string;
      cause?: unknown;
    },
  ) {
    super(code, message, { cause: details.cause });
    this.name = 'CommandError';
    this.command = details.command;
    this.status = details.status;
    this.stdout = details.stdout;
    this.stderr = details.stderr;
  }
}

/** Shows a command line for messages, with any URL credentials (`https://user:tok@`) hidden. */
function showCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args]
    .map((a) => a.replace(/(\/\/)[^/@\s]+@/g, '$1<redacted>@'))
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)))
    .join(' ');
}

function lastLines(text: string, max = 1000): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}

/**
 * Runs a command to completion (argv only, no shell, explicit env) in its own process group
 * and collects its output. Throws `CommandError`: `KIT_COMMAND_FAILED` on a non-zero exit (unless
 * `allowFailure`), `KIT_COMMAND_TIMEOUT`, `KIT_COMMAND_OUTPUT_LIMIT`; rejects with the abort
 * reason when `signal` aborts. Leftover processes of the group are killed when the leader exits.
 *
 * @example
 *   const { stdout } = await runCommand('git', ['-C', root, 'rev-parse', 'HEAD'], { env, timeoutMs: 30_000 });
 */
export async function runCommand(
  cmd: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  options.signal?.throwIfAborted();
  const command = showCommand(cmd, args);
  const limit = options.maxOutputBytes ?? 16 * 1024 * 1024;
  const group = await spawnGroup(cmd, args, {
    env: options.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    graceMs: options.graceMs ?? 2000,
  });
  const { stdin, stdout, stderr } = group.child;
  if (stdout === null || stderr === null) throw new Error('unreachable: stdio pipes missing');

  let failure: 'timeout' | 'output' | 'abort' | undefined;
  const fail = (why: 'timeout' | 'output' | 'abort'): void => {
    failure ??= why;
    void group.stop();
  };

  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const collect =
    (into: Buffer[]) =>
    (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) fail('output');
      else into.push(chunk);
    };
  stdout.on('data', collect(out));
  stderr.on('data', collect(err));
  if (stdin !== null && options.input !== undefined) {
    // EPIPE when the command exits without reading its input is not our failure to report.
    stdin.on('error', () => undefined);
    stdin.end(options.input);
  }

  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          fail('timeout');
        }, options.timeoutMs);
  const onAbort = (): void => {
    fail('abort');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  let status: ExitStatus;
  try {
    status = await group.exited;
    // Stragglers (a backgrounded grandchild) would hold the pipes open forever.
    killGroup(group.pid, 'SIGKILL');
    await Promise.all([finished(stdout), finished(stderr)]);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }

  const result: CommandResult = {
    ...status,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
  const details = { command, status, stdout: result.stdout, stderr: result.stderr };
  if (failure === 'abort') throw options.signal?.reason ?? new Error('aborted');
  if (failure === 'timeout') {
    throw new CommandError(
      KitErrorCode.KIT_COMMAND_TIMEOUT,
      `${command} did not finish within ${options.timeoutMs ?? 0} ms and was killed`,
      details,
    );
  }
  if (failure === 'output') {
    throw new CommandError(
      KitErrorCode.KIT_COMMAND_OUTPUT_LIMIT,
      `${command} printed more than ${limit} bytes and was killed`,
      details,
    );
  }
  if ((status.code !== 0 || status.signal !== null) && options.allowFailure !== true) {
    const how =
      status.signal === null
        ? `exited with code ${status.code ?? '?'}`
        : `was killed by ${status.signal}`;
    const said = lastLines(result.stderr);
    throw new CommandError(
      KitErrorCode.KIT_COMMAND_FAILED,
      `${command} ${how}${said === '' ? '' : `: ${said}`}`,
      details,
    );
  }
  return result;
}
