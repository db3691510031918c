import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path, { join } from 'node:path';
import { PodkitError, startGroup } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { OciConfig } from '../oci/config.js';
import { which } from '../host/preflight.js';
import { runcMessage, type Runc } from '../runc/runc.js';
import {
  isProcessAlive,
  processIdentity,
  type ProcessIdentity,
} from '../state/process-identity.js';
import { traceMark } from '../trace.js';
import { ExitWatcher } from './exit-watcher.js';

export interface ContainerExit {
  /** The container's exit status (128+n when a signal n ended it, as conmon reports). */
  exitCode: number;
  /** The signal that ended it, when exitCode > 128. */
  signal?: NodeJS.Signals | undefined;
  /** The kernel OOM killer ended it (conmon saw the cgroup's OOM event). */
  oomKilled: boolean;
  /** The monitor died before the container's exit was recorded: its status is unknown. */
  lost?: boolean | undefined;
  finishedAt: Date;
}

/**
 * A running container, held by its conmon (not by this process: it outlives us). `await using`
 * stops and removes it.
 */
export interface ContainerHandle extends AsyncDisposable {
  readonly id: string;
  /** The container's init process, in the host PID namespace. */
  readonly pid: number;
  readonly startedAt: Date;
  /** Resolves when the container has exited and conmon recorded its status. */
  readonly exited: Promise<ContainerExit>;
  /** Sends a signal to the container's init (runc kill). No error once it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGKILL if still running, wait for the exit, `runc delete --force`. Idempotent. */
  remove(): Promise<void>;
}

export interface RunContainerOptions {
  runc: Runc;
  /** runc container id. */
  id: string;
  /** The bundle directory; config.json is (over)written there when `config` is given. */
  bundleDir: string;
  config?: OciConfig | undefined;
  /** The CRI log file conmon writes stdout and stderr to (appended; `k8s-file`). */
  logPath: string;
  /** conmon truncates the log file past this many bytes (kubelet's containerLogMaxSize). */
  logSizeMax?: number | undefined;
  /** Aborting kills the container (SIGKILL). */
  signal?: AbortSignal | undefined;
}

/** kubelet's default containerLogMaxSize (10 MiB). */
export const DEFAULT_LOG_SIZE_MAX = 10 * 1024 * 1024;

/** How long conmon may take to report `runc create` before the start counts as failed. */
const CREATE_TIMEOUT_MS = 60_000;

const SIGNALS: Readonly<Record<number, NodeJS.Signals>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

/** Writes config.json atomically (a half-written one would make runc fail obscurely). */
export async function writeBundleConfig(bundleDir: string, config: OciConfig): Promise<void> {
  await mkdir(bundleDir, { recursive: true });
  const tmp = join(bundleDir, `.config.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(config, null, 2));
  await rename(tmp, join(bundleDir, 'config.json'));
}

/** Where conmon keeps a container's exit files: `<runc root>/../exits`. */
export function exitDirOf(runc: Runc): string {
  return path.join(path.dirname(runc.root), 'exits');
}

/** conmon's own files of one container, in its bundle directory. */
function conmonFiles(bundleDir: string): {
  pidFile: string;
  conmonPidFile: string;
  persistDir: string;
  log: string;
} {
  return {
    pidFile: join(bundleDir, 'container.pid'),
    conmonPidFile: join(bundleDir, 'conmon.pid'),
    persistDir: join(bundleDir, 'conmon'),
    log: join(bundleDir, 'conmon.log'),
  };
}

/** Paths of programs found on PATH, looked up once per process. */
const found = new Map<string, Promise<string>>();

/**
 * conmon needs the path of itself and of the runtime, not names to look up: `name` on PATH
 * (then `extraPath`), else `fallback`.
 */
function programPath(name: string, extraPath: string, fallback: string): Promise<string> {
  if (name.includes('/')) return Promise.resolve(name);
  let p = found.get(name);
  if (p === undefined) {
    p = which(name, `${process.env.PATH ?? ''}:${extraPath}`).then((f) => f ?? fallback);
    found.set(name, p);
  }
  return p;
}

/** The first message conmon writes on its sync pipe: `{"data": pid}` or an error. */
function readSyncMessage(
  pipe: NodeJS.ReadableStream & { destroy(): void },
  timeoutMs: number,
): Promise<{ data: number; message?: string | undefined }> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (r: { data: number; message?: string | undefined }): void => {
      clearTimeout(timer);
      pipe.removeAllListeners('data');
      pipe.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      done({ data: -1, message: `conmon did not report the container within ${timeoutMs} ms` });
    }, timeoutMs);
    pipe.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('}');
      if (end < 0) return;
      try {
        done(JSON.parse(buf.slice(0, end + 1)) as { data: number; message?: string });
      } catch {
        done({ data: -1, message: `conmon wrote ${JSON.stringify(buf.slice(0, 200))}` });
      }
    });
    pipe.on('end', () => {
      done({ data: -1, message: buf === '' ? 'conmon exited without a word' : buf });
    });
    pipe.on('error', () => undefined);
  });
}

/** runc's message without conmon's wrapping ("runc create failed: …"). */
function runcReason(message: string | undefined): string {
  // runc's stderr in its text format (`time=… level=error msg="…"`) as conmon passes it on.
  return runcMessage(message ?? 'unknown error')
    .replace(/^runc create failed: /, '')
    .trim();
}

/**
 * Runs one container the way CRI-O and podman do: **conmon** (a small C monitor, one per
 * container) runs `runc create`, holds the container's stdio and writes it to the CRI log
 * (`k8s-file`), and records the exit status in `<exits>/<id>` when the container ends; this
 * process then `runc start`s it. conmon is not our child once started (it daemonizes), so the
 * container, its log and its exit status survive the death of the process that started it:
 * adoptContainer() picks such a container up again.
 *
 * Resolves once the container's init runs; rejects with CONTAINER_START_FAILED, runc's own
 * message and nothing left behind when it cannot be started.
 *
 * @example
 *   await using c = await runContainer({ runc, id, bundleDir, config, logPath });
 *   const { exitCode } = await c.exited;
 */
export async function runContainer(options: RunContainerOptions): Promise<ContainerHandle> {
  return (await createContainer(options)).start();
}

/**
 * A container conmon holds after `runc create`: its namespaces, mounts and cgroup exist, its
 * process waits in runc's init until start(). abort() removes it (conmon killed, runc state
 * deleted). Exactly one of the two is called.
 */
export interface CreatedContainer {
  readonly id: string;
  /** `runc start`: resolves once the container's init runs (as runContainer). */
  start(): Promise<ContainerHandle>;
  abort(): Promise<void>;
}

/**
 * runContainer's first half: conmon runs `runc create` and reports the container's pid. The
 * pod worker creates a pod's first containers while the pod's network is set up and starts
 * them once it is (their processes see the network from their first instruction). Rejects
 * with CONTAINER_START_FAILED, runc's own message and nothing left behind.
 */
export async function createContainer(options: RunContainerOptions): Promise<CreatedContainer> {
  const { runc, id, bundleDir } = options;
  if (options.config !== undefined) await writeBundleConfig(bundleDir, options.config);
  const files = conmonFiles(bundleDir);
  const exits = ExitWatcher.for(exitDirOf(runc));
  await Promise.all([
    rm(files.pidFile, { force: true }),
    rm(files.conmonPidFile, { force: true }),
    rm(files.persistDir, { recursive: true, force: true }),
    exits.clear(id),
    mkdir(path.dirname(options.logPath), { recursive: true, mode: 0o700 }),
  ]);
  await mkdir(files.persistDir, { mode: 0o700 });
  const [conmon, runtime] = await Promise.all([
    programPath('conmon', '/usr/bin:/usr/libexec/podman', '/usr/bin/conmon'),
    programPath(runc.binary, '/usr/sbin:/usr/bin:/sbin', runc.binary),
  ]);
  const conmonLog = await open(files.log, 'a', 0o600);
  traceMark(`conmon.${id}.spawn`);
  let sync: { data: number; message?: string | undefined };
  try {
    // conmon daemonizes: the process started here exits at once, the monitor lives on.
    const { child, spawned } = startGroup(
      conmon,
      [
        '--api-version',
        '1',
        '-c',
        id,
        '-u',
        id,
        '-n',
        id,
        '-r',
        runtime,
        '-b',
        bundleDir,
        '-p',
        files.pidFile,
        '-P',
        files.conmonPidFile,
        '--exit-dir',
        exits.dir,
        '--persist-dir',
        files.persistDir,
        '-l',
        `k8s-file:${options.logPath}`,
        '--log-size-max',
        String(options.logSizeMax ?? DEFAULT_LOG_SIZE_MAX),
        '--runtime-arg',
        '--root',
        '--runtime-arg',
        runc.root,
        '--socket-dir-path',
        bundleDir,
        '--full-attach',
        '--log-level',
        'error',
      ],
      {
        stdio: ['ignore', conmonLog.fd, conmonLog.fd, 'pipe'],
        env: { ...process.env, _OCI_SYNCPIPE: '3' },
      },
    );
    spawned.catch(() => undefined); // a conmon that cannot start closes the sync pipe: reported there
    child.unref();
    const pipe = child.stdio[3] as (NodeJS.ReadableStream & { destroy(): void }) | null;
    sync =
      pipe === null
        ? { data: -1, message: 'no sync pipe to conmon' }
        : await readSyncMessage(pipe, CREATE_TIMEOUT_MS);
  } finally {
    await conmonLog.close();
  }
  traceMark(`conmon.${id}.created`);
  const fail = async (why: string): Promise<never> => {
    await killConmon(files.conmonPidFile);
    await runc.delete(id, { force: true }).catch(() => undefined);
    throw new PodkitError(
      RuntimeErrorCode.CONTAINER_START_FAILED,
      `container ${id} did not start: ${why}`,
      {
        hint: "check the image (command exists in it?) and the container spec; the container log has runc's output",
      },
    );
  };
  if (sync.data <= 0) return fail(runcReason(sync.message));
  const pid = sync.data;
  return {
    id,
    start: async () => {
      try {
        await runc.startCreated(id, pid, options.signal);
      } catch (err) {
        return fail((err as Error).message);
      }
      traceMark(`runc.${id}.pid`);
      const monitor = await readMonitor(files.conmonPidFile);
      return handleFor({
        runc,
        id,
        bundleDir,
        pid,
        startedAt: new Date(),
        monitor,
        signal: options.signal,
      });
    },
    abort: async () => {
      await killConmon(files.conmonPidFile);
      await runc.delete(id, { force: true }).catch(() => undefined);
    },
  };
}

/** What adoptContainer found of a container started by an earlier process. */
export type AdoptedContainer =
  | { state: 'running'; handle: ContainerHandle }
  | { state: 'exited'; exit: ContainerExit }
  | { state: 'gone' };

/**
 * Picks up a container that runContainer started in another (now gone) process: its exit if
 * conmon recorded one meanwhile, a handle to it if it still runs, or `gone` when neither
 * runc nor conmon knows it. A container whose conmon died while it still runs cannot report
 * its exit any more: it is killed, and reported exited with its status lost.
 */
export async function adoptContainer(options: {
  runc: Runc;
  id: string;
  bundleDir: string;
  /** When the record says it started; runc's creation time when the record does not know. */
  startedAt?: Date | undefined;
}): Promise<AdoptedContainer> {
  const { runc, id, bundleDir } = options;
  const files = conmonFiles(bundleDir);
  const exits = ExitWatcher.for(exitDirOf(runc));
  const done = await exits.peek(id);
  if (done !== undefined) return { state: 'exited', exit: await toExit(done, files.persistDir) };
  const monitor = await readMonitor(files.conmonPidFile);
  const state = await runc.state(id).catch(() => undefined);
  if (monitor === undefined || !(await isProcessAlive(monitor))) {
    // conmon may have written the file and gone since we looked.
    const late = await exits.peek(id);
    if (late !== undefined) return { state: 'exited', exit: await toExit(late, files.persistDir) };
    if (state === undefined) return { state: 'gone' };
    await runc.kill(id, 'SIGKILL').catch(() => undefined);
    return {
      state: 'exited',
      exit: {
        exitCode: 137,
        signal: 'SIGKILL',
        oomKilled: false,
        lost: true,
        finishedAt: new Date(),
      },
    };
  }
  if (state === undefined || state.pid <= 0) {
    const exit = await exits.wait(id, () => isProcessAlive(monitor));
    return { state: 'exited', exit: await toExit(exit, files.persistDir) };
  }
  return {
    state: 'running',
    handle: handleFor({
      runc,
      id,
      bundleDir,
      pid: state.pid,
      startedAt: options.startedAt ?? new Date(state.created),
      monitor,
    }),
  };
}

/**
 * Removes what conmon left of a container that is gone: its exit file and its own files in
 * the bundle (the CRI log stays). Idempotent.
 */
export async function forgetContainer(runc: Runc, id: string, bundleDir: string): Promise<void> {
  const files = conmonFiles(bundleDir);
  await Promise.all([
    rm(ExitWatcher.for(exitDirOf(runc)).fileOf(id), { force: true }),
    rm(files.pidFile, { force: true }),
    rm(files.conmonPidFile, { force: true }),
    rm(files.persistDir, { recursive: true, force: true }),
    rm(files.log, { force: true }),
    rm(join(bundleDir, 'attach'), { force: true }),
    rm(join(bundleDir, 'ctl'), { force: true }),
    rm(join(bundleDir, 'winsz'), { force: true }),
  ]);
}

async function readMonitor(file: string): Promise<ProcessIdentity | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? processIdentity(pid) : undefined;
}

async function killConmon(conmonPidFile: string): Promise<void> {
  const monitor = await readMonitor(conmonPidFile);
  if (monitor === undefined) return;
  try {
    process.kill(monitor.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function toExit(
  r: { exitCode: number; lost: boolean },
  persistDir: string,
): Promise<ContainerExit> {
  const oom = await readFile(join(persistDir, 'oom'), 'utf8').then(
    () => true,
    () => false,
  );
  return {
    exitCode: r.exitCode,
    signal: r.exitCode > 128 ? SIGNALS[r.exitCode - 128] : undefined,
    oomKilled: oom && r.exitCode === 137,
    lost: r.lost ? true : undefined,
    finishedAt: new Date(),
  };
}

function handleFor(o: {
  runc: Runc;
  id: string;
  bundleDir: string;
  pid: number;
  startedAt: Date;
  monitor: ProcessIdentity | undefined;
  signal?: AbortSignal | undefined;
}): ContainerHandle {
  const { runc, id } = o;
  const files = conmonFiles(o.bundleDir);
  const exits = ExitWatcher.for(exitDirOf(runc));
  const monitor = o.monitor;
  const state = { exited: false };
  // Waiting starts on first use: a handle whose exit nobody awaits (the pause container's)
  // must not keep this process alive.
  let exitedP: Promise<ContainerExit> | undefined;
  const exited = (): Promise<ContainerExit> =>
    (exitedP ??= exits
      .wait(id, () => (monitor === undefined ? Promise.resolve(false) : isProcessAlive(monitor)))
      .then((r) => toExit(r, files.persistDir))
      .then((e) => {
        state.exited = true;
        return e;
      }));
  const kill = async (sig: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (state.exited) return;
    await runc.kill(id, sig);
  };
  const onAbort = (): void => {
    void kill('SIGKILL').catch(() => undefined);
  };
  if (o.signal !== undefined) {
    const signal = o.signal;
    signal.addEventListener('abort', onAbort, { once: true });
    void exited().finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
    if (signal.aborted) onAbort();
  }
  let removing: Promise<void> | undefined;
  const remove = (): Promise<void> =>
    (removing ??= (async () => {
      await kill('SIGKILL').catch(() => undefined);
      await exited();
      await runc.delete(id, { force: true });
      await forgetContainer(runc, id, o.bundleDir);
    })());
  return {
    id,
    pid: o.pid,
    startedAt: o.startedAt,
    get exited() {
      return exited();
    },
    kill,
    remove,
    [Symbol.asyncDispose]: remove,
  };
}
