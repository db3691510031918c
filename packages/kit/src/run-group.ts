import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { KitErrorCode, PodkitError } from './errors.js';
import { killGroup, spawnGroup, type ExitStatus } from './process-group.js';

/** Where a child's stdout or stderr goes: captured (`pipe`), discarded, or an open fd. */
export type OutputTarget = 'pipe' | 'ignore' | number;

export interface RunGroupOptions {
  /** The child's whole environment (e.g. `{ PATH, HOME, GIT_TERMINAL_PROMPT: '0' }`). */
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string | undefined;
  /** Stop the group (TERM, grace, KILL) after this long: `stoppedFor: 'timeout'`. */
  timeoutMs?: number | undefined;
  /** Aborting stops the group: `stoppedFor: 'abort'`. Already aborted: nothing is started. */
  signal?: AbortSignal | undefined;
  /** Written to stdin (closed afterwards); stdin is /dev/null otherwise. */
  input?: string | Buffer | undefined;
  /** Default `pipe` (captured). Give an fd when the command leaves a process behind. */
  stdout?: OutputTarget | undefined;
  stderr?: OutputTarget | undefined;
  /** Bound on captured output, stdout + stderr (default 16 MiB). */
  maxOutputBytes?: number | undefined;
  /**
   * Past `maxOutputBytes`: `stop` (default) stops the group (`stoppedFor: 'output'`);
   * `truncate` lets it run on, keeping the first bytes of stdout and the last of stderr
   * (each up to `maxOutputBytes`).
   */
  overflow?: 'stop' | 'truncate' | undefined;
  /** Grace between SIGTERM and SIGKILL when stopping (default 2000 ms; 0: SIGKILL at once). */
  graceMs?: number | undefined;
  /**
   * Leave the group alone once its leader exits. By default what is left of the group is
   * SIGKILLed then; a command that starts a daemon in its group (`runc run -d`) sets this.
   */
  leaveGroup?: boolean | undefined;
  /** Called with the child's pid (its process group id) once it runs. */
  onSpawned?: ((pid: number) => void) | undefined;
}

export interface GroupRun extends ExitStatus {
  /** Captured stdout ('' when not piped). */
  stdout: string;
  /** Captured stderr ('' when not piped). */
  stderr: string;
  /** Why the group was stopped by us, if it was. */
  stoppedFor: 'timeout' | 'abort' | 'output' | undefined;
}

/** Keeps at most `max` bytes: the first ones (`head`) or the last ones (`tail`). */
class Capture {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  readonly #keep: 'head' | 'tail';
  readonly #max: number;
  constructor(keep: 'head' | 'tail', max: number) {
    this.#keep = keep;
    this.#max = max;
  }
  push(chunk: Buffer): void {
    if (this.#keep === 'head') {
      const room = this.#max - this.#size;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.#chunks.push(part);
      this.#size += part.length;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.#max) {
      const first = this.#chunks[0];
      if (first === undefined) break;
      const over = this.#size - this.#max;
      if (first.length <= over) {
        this.#chunks.shift();
        this.#size -= first.length;
      } else {
        this.#chunks[0] = first.subarray(over);
        this.#size -= over;
      }
    }
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/**
 * Runs a command to completion (argv only, no shell, explicit env) as the leader of its own
 * process group, and reports how it ended without judging it: the exit status, the bounded
 * captured output, and whether (why) it was stopped. Stopping is TERM to the group, the
 * grace, then KILL to the group. Rejects only when the program cannot start
 * (`KIT_SPAWN_FAILED`, the spawn error as `cause`).
 *
 * @example
 *   const r = await runGroup('git', ['fetch'], { env, timeoutMs: 60_000, signal });
 *   if (r.stoppedFor === 'timeout') …; else if (r.code !== 0) …
 */
export async function runGroup(
  cmd: string,
  args: readonly string[],
  options: RunGroupOptions,
): Promise<GroupRun> {
  if (options.signal?.aborted === true) {
    return { code: null, signal: null, stdout: '', stderr: '', stoppedFor: 'abort' };
  }
  const limit = options.maxOutputBytes ?? 16 * 1024 * 1024;
  const truncate = options.overflow === 'truncate';
  const group = await spawnGroup(cmd, args, {
    env: options.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: [
      options.input === undefined ? 'ignore' : 'pipe',
      options.stdout ?? 'pipe',
      options.stderr ?? 'pipe',
    ],
    graceMs: options.graceMs ?? 2000,
  });
  options.onSpawned?.(group.pid);
  const { stdin, stdout, stderr } = group.child;

  let stoppedFor: GroupRun['stoppedFor'];
  const stop = (why: 'timeout' | 'abort' | 'output'): void => {
    stoppedFor ??= why;
    void group.stop();
  };

  const out = new Capture('head', limit);
  const err = new Capture(truncate ? 'tail' : 'head', limit);
  let size = 0;
  const collect =
    (into: Capture) =>
    (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit && !truncate) stop('output');
      else into.push(chunk);
    };
  stdout?.on('data', collect(out));
  stderr?.on('data', collect(err));
  if (stdin !== null && options.input !== undefined) {
    // EPIPE when the command exits without reading its input is not our failure to report.
    stdin.on('error', () => undefined);
    stdin.end(options.input);
  }

  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          stop('timeout');
        }, options.timeoutMs);
  const onAbort = (): void => {
    stop('abort');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // An abort while the process was starting fired no listener (read through a call: the
  // signal can abort while spawnGroup is awaited, which flow analysis misses).
  if (isAborted(options.signal)) onAbort();
  let status: ExitStatus;
  try {
    status = await group.exited;
    // Stragglers (a backgrounded grandchild) would hold the pipes open forever.
    if (options.leaveGroup !== true || stoppedFor !== undefined) killGroup(group.pid, 'SIGKILL');
    const pipes = [stdout, stderr].filter((s): s is Readable => s !== null);
    await Promise.all(pipes.map((s) => finished(s)));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { ...status, stdout: out.text(), stderr: err.text(), stoppedFor };
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
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
    code: KitErrorCode,
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
  const run = await runGroup(cmd, args, { ...options, maxOutputBytes: limit });
  const { stoppedFor, ...result } = run;
  const status: ExitStatus = { code: run.code, signal: run.signal };
  const details = { command, status, stdout: result.stdout, stderr: result.stderr };
  if (stoppedFor === 'abort') throw options.signal?.reason ?? new Error('aborted');
  if (stoppedFor === 'timeout') {
    throw new CommandError(
      KitErrorCode.KIT_COMMAND_TIMEOUT,
      `${command} did not finish within ${options.timeoutMs ?? 0} ms and was killed`,
      details,
    );
  }
  if (stoppedFor === 'output') {
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
