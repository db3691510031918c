import type { ChildProcess, StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { PodkitError, startGroup, type ProcessGroup } from '@podkit/kit';
import { runCommand, type CommandResult } from '../host/run-command.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';
import { releaseCreated } from './exec-fifo.js';

/** `runc state` / `runc list --format json` output. */
export interface RuncContainerState {
  readonly ociVersion: string;
  readonly id: string;
  readonly pid: number;
  readonly status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  readonly bundle: string;
  readonly rootfs: string;
  readonly created: string;
  readonly owner?: string | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

/** A stdio slot of a container process: a file descriptor we own, or nothing. */
export type RuncStdio = 'ignore' | 'inherit' | 'pipe' | number;

/** A runc child the caller holds: `runc run` (foreground) or `runc exec`. */
export interface RuncProcess {
  readonly child: ChildProcess;
  /**
   * Resolves when runc exits. `code` is the container process's exit code (runc passes it
   * through; 128+n for a signal). `runcError` is set when runc itself failed (it logged an
   * error), which separates "the container exited 1" from "runc could not start it".
   */
  readonly exited: Promise<RuncExit>;
}

export interface RuncExit {
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly runcError: string | undefined;
}

export interface RuncOptions {
  /** runc --root: where runc keeps its state (podkit: `<state root>/runc`). */
  root: string;
  /** The runc binary (default "runc" from PATH). */
  binary?: string | undefined;
}

export interface RuncCreateOptions {
  bundle: string;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  /** Container stdio; default all 'ignore'. Pass fds (e.g. of a log file) to keep output. */
  stdio?: readonly [RuncStdio, RuncStdio, RuncStdio] | undefined;
  signal?: AbortSignal | undefined;
}

export interface RuncExecOptions {
  args: readonly string[];
  tty?: boolean | undefined;
  env?: readonly string[] | undefined;
  cwd?: string | undefined;
  /** "uid[:gid]" */
  user?: string | undefined;
  /** Default: stdin ignored, stdout/stderr piped. With tty, pass 'inherit' to attach a terminal. */
  stdio?: readonly [RuncStdio, RuncStdio, RuncStdio] | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * A thin wrapper over the runc CLI (argv only, never a shell) with a fixed `--root`. Errors are
 * RUNC_FAILED PodkitErrors carrying runc's own error message.
 *
 * @example
 *   const runc = new Runc({ root: layout.runcRoot });
 *   await runc.runDetached('pod1-pause', { bundle, pidFile });
 *   const st = await runc.state('pod1-pause'); // { status: 'running', pid: … }
 */
export class Runc {
  readonly root: string;
  readonly binary: string;

  constructor(options: RuncOptions) {
    this.root = options.root;
    this.binary = options.binary ?? 'runc';
  }

  /** `runc create`: the container waits in "created" until start(). */
  async create(id: string, options: RuncCreateOptions): Promise<void> {
    await this.withLog(id, 'create', options.stdio, options.signal, (log) => [
      ...this.globalArgs(log),
      'create',
      '--bundle',
      options.bundle,
      ...(options.pidFile === undefined ? [] : ['--pid-file', options.pidFile]),
      ...(options.consoleSocket === undefined ? [] : ['--console-socket', options.consoleSocket]),
      id,
    ]);
  }

  /** `runc start` of a created container. */
  async start(id: string, signal?: AbortSignal): Promise<void> {
    await this.simple(['start', id], 'start', id, signal);
  }

  /**
   * Starts a created container whose init is `initPid`: as `runc start`, through the exec fifo
   * (exec-fifo.ts) without running the runc binary; `runc start` itself when that cannot be
   * done (its error then says why).
   */
  async startCreated(id: string, initPid: number, signal?: AbortSignal): Promise<void> {
    if (await releaseCreated(this.root, id, initPid, signal)) return;
    await this.start(id, signal);
  }

  /**
   * `runc run -d`: starts the container and returns once it runs. runc does not report a
   * detached container's exit status, so use this only where that does not matter (the pause
   * container); use run() for containers whose exit code counts.
   */
  async runDetached(id: string, options: RuncCreateOptions): Promise<void> {
    await this.withLog(id, 'run', options.stdio, options.signal, (log) => [
      ...this.globalArgs(log),
      'run',
      '--detach',
      '--bundle',
      options.bundle,
      ...(options.pidFile === undefined ? [] : ['--pid-file', options.pidFile]),
      ...(options.consoleSocket === undefined ? [] : ['--console-socket', options.consoleSocket]),
      id,
    ]);
  }

  /**
   * `runc run` in the foreground: returns the runc child (in its own process group) so that
   * a supervisor can hold it; `exited` gives the container's exit code.
   */
  run(
    id: string,
    options: Omit<RuncCreateOptions, 'signal' | 'consoleSocket'> & {
      stdio?: readonly [RuncStdio, RuncStdio, RuncStdio] | undefined;
    },
  ): RuncProcess {
    const log = this.logPath(id);
    return this.spawnHeld(
      [
        ...this.globalArgs(log),
        'run',
        '--bundle',
        options.bundle,
        ...(options.pidFile === undefined ? [] : ['--pid-file', options.pidFile]),
        id,
      ],
      options.stdio ?? ['ignore', 'pipe', 'pipe'],
      log,
    ).held;
  }

  /** `runc exec`: runs a process in a running container; `exited.code` is its exit code. */
  exec(id: string, options: RuncExecOptions): RuncProcess {
    const log = this.logPath(id);
    const argv = [
      ...this.globalArgs(log),
      'exec',
      ...(options.tty === true ? ['--tty'] : []),
      ...(options.cwd === undefined ? [] : ['--cwd', options.cwd]),
      ...(options.user === undefined ? [] : ['--user', options.user]),
      ...(options.env ?? []).flatMap((e) => ['--env', e]),
      // No "--": runc exec stops parsing its flags at the container id.
      id,
      ...options.args,
    ];
    const { held, group } = this.spawnHeld(argv, options.stdio ?? ['ignore', 'pipe', 'pipe'], log);
    if (options.signal) {
      const sig = options.signal;
      const onAbort = (): void => {
        void group.then((g) => g?.kill('SIGKILL'));
      };
      sig.addEventListener('abort', onAbort, { once: true });
      void held.exited.finally(() => {
        sig.removeEventListener('abort', onAbort);
      });
    }
    return held;
  }

  /** exec() with captured output, for short commands (tests, probes). */
  async execCollect(
    id: string,
    options: Omit<RuncExecOptions, 'stdio' | 'tty'> & { input?: string | undefined },
  ): Promise<CommandResult> {
    const held = this.exec(id, {
      ...options,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    held.child.stdout?.on('data', (b: Buffer) => out.push(b));
    held.child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (options.input !== undefined) held.child.stdin?.end(options.input);
    const exit = await held.exited;
    if (exit.runcError !== undefined) {
      throw runtimeError(
        RuntimeErrorCode.RUNC_FAILED,
        `runc exec in ${id} failed: ${exit.runcError}`,
      );
    }
    return {
      code: exit.code,
      signal: exit.signal,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
  }

  /** `runc state`; undefined when runc does not know the container. */
  async state(id: string, signal?: AbortSignal): Promise<RuncContainerState | undefined> {
    const r = await runCommand([this.binary, '--root', this.root, 'state', id], {
      allowFailure: true,
      signal,
    });
    if (r.code !== 0) {
      const msg = runcMessage(r.stderr);
      if (/does not exist/.test(msg)) return undefined;
      throw runtimeError(RuntimeErrorCode.RUNC_FAILED, `runc state ${id} failed: ${msg}`);
    }
    return parseJson(r.stdout, `runc state ${id}`) as RuncContainerState;
  }

  /** `runc list --format json` (empty when the root does not exist yet). */
  async list(signal?: AbortSignal): Promise<RuncContainerState[]> {
    const r = await this.simple(['list', '--format', 'json'], 'list', '', signal);
    const text = r.stdout.trim();
    // runc prints "null" when there are no containers.
    if (text === '' || text === 'null') return [];
    return parseJson(text, 'runc list') as RuncContainerState[];
  }

  /** `runc kill [--all] id SIG`. A container that is gone is not an error. */
  async kill(
    id: string,
    sig: NodeJS.Signals = 'SIGTERM',
    options: { all?: boolean | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const r = await runCommand(
      [
        this.binary,
        '--root',
        this.root,
        'kill',
        ...(options.all === true ? ['--all'] : []),
        id,
        sig,
      ],
      { allowFailure: true, signal: options.signal },
    );
    if (r.code !== 0) {
      const msg = runcMessage(r.stderr);
      if (/does not exist|not running|process already finished/.test(msg)) return;
      throw runtimeError(RuntimeErrorCode.RUNC_FAILED, `runc kill ${id} ${sig} failed: ${msg}`);
    }
  }

  /** `runc delete [--force]`. Idempotent: a container that is gone is not an error. */
  async delete(
    id: string,
    options: { force?: boolean | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<void> {
    const r = await runCommand(
      [
        this.binary,
        '--root',
        this.root,
        'delete',
        ...(options.force === true ? ['--force'] : []),
        id,
      ],
      { allowFailure: true, signal: options.signal },
    );
    if (r.code !== 0) {
      const msg = runcMessage(r.stderr);
      if (/does not exist/.test(msg)) return;
      throw runtimeError(RuntimeErrorCode.RUNC_FAILED, `runc delete ${id} failed: ${msg}`);
    }
  }

  private globalArgs(log: string): string[] {
    return [this.binary, '--root', this.root, '--log', log, '--log-format', 'json'];
  }

  private logPath(id: string): string {
    // runc cannot open --log in a missing directory (it then fails without a word).
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    // runc creates <root>/<id>/ itself; our per-call logs sit beside it, dot-prefixed.
    return path.join(this.root, `.${id}.${randomBytes(4).toString('hex')}.log`);
  }

  private async simple(
    args: readonly string[],
    verb: string,
    id: string,
    signal?: AbortSignal,
  ): Promise<CommandResult> {
    const r = await runCommand([this.binary, '--root', this.root, ...args], {
      allowFailure: true,
      signal,
    });
    if (r.code !== 0) {
      throw runtimeError(
        RuntimeErrorCode.RUNC_FAILED,
        `runc ${verb} ${id} failed: ${runcMessage(r.stderr)}`.replace('  ', ' '),
      );
    }
    return r;
  }

  /**
   * Runs a runc verb that may leave the container behind (create, run -d). Its stdio is the
   * container's, so runc's own errors are read from a --log file instead of stderr.
   */
  private async withLog(
    id: string,
    verb: string,
    stdio: readonly [RuncStdio, RuncStdio, RuncStdio] | undefined,
    signal: AbortSignal | undefined,
    argv: (log: string) => string[],
  ): Promise<void> {
    const log = this.logPath(id);
    const [, out, err] = stdio ?? ['ignore', 'ignore', 'ignore'];
    try {
      const r = await runCommand(argv(log), {
        allowFailure: true,
        signal,
        stdout: toFdOrIgnore(out),
        stderr: toFdOrIgnore(err),
      });
      if (r.code !== 0) {
        const fromLog = await readRuncLog(log);
        throw runtimeError(
          RuntimeErrorCode.RUNC_FAILED,
          `runc ${verb} ${id} failed: ${fromLog ?? `exit ${String(r.code)}`}`,
        );
      }
    } finally {
      await unlink(log).catch(() => undefined);
    }
  }

  /**
   * Starts runc through kit's process groups (`startGroup`): its own group, so a Ctrl+C on
   * the CLI's terminal does not hit runc directly; the supervisor decides how containers
   * stop. `group` is undefined when runc could not start (`exited` then says 127).
   */
  private spawnHeld(
    argv: readonly string[],
    stdio: readonly [RuncStdio, RuncStdio, RuncStdio],
    log: string,
  ): { held: RuncProcess; group: Promise<ProcessGroup | undefined> } {
    const [file, ...args] = argv;
    const { child, spawned } = startGroup(file ?? this.binary, args, {
      env: process.env,
      stdio: [...stdio] as StdioOptions,
    });
    const group = spawned.catch(() => undefined); // the 'error' below reports it
    const exited = new Promise<RuncExit>((resolve) => {
      child.once('error', (e) => {
        resolve({ code: 127, signal: null, runcError: e.message });
      });
      child.once('exit', (code, sig) => {
        void (async () => {
          const runcError = code === 0 ? undefined : await readRuncLog(log);
          await unlink(log).catch(() => undefined);
          resolve({ code: code ?? 128 + signalNumber(sig), signal: sig, runcError });
        })();
      });
    });
    return { held: { child, exited }, group };
  }
}

function toFdOrIgnore(s: RuncStdio): 'ignore' | 'pipe' | number {
  // Inheriting or piping a detached container's stdio would tie it to our process.
  if (s === 'inherit' || s === 'pipe') return 'ignore';
  return s;
}

function signalNumber(sig: NodeJS.Signals | null): number {
  if (sig === null) return 0;
  return (osConstants.signals as Partial<Record<NodeJS.Signals, number>>)[sig] ?? 0;
}

/** The error messages of a runc --log-format json file, or undefined if none. */
async function readRuncLog(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const msgs: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg !== undefined) {
        msgs.push(entry.msg);
      }
    } catch {
      msgs.push(line);
    }
  }
  return msgs.length > 0 ? msgs.join('; ') : undefined;
}

/** runc's text-format stderr: `time="…" level=error msg="…"` → the msg parts. */
export function runcMessage(stderr: string): string {
  const msgs: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m?.[1] !== undefined) msgs.push(m[1].replace(/\\(.)/g, '$1'));
    else if (line.trim() !== '') msgs.push(line.trim());
  }
  return msgs.join('; ');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new PodkitError(
      RuntimeErrorCode.RUNC_FAILED,
      `${what}: unexpected output ${JSON.stringify(text.slice(0, 200))}`,
      {
        cause,
      },
    );
  }
}
