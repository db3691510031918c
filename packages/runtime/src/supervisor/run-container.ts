import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodkitError } from '@podkit/kit';
import type { OciConfig } from '../oci/config.js';
import { CriLogWriter } from '../logs/cri-log-writer.js';
import type { Runc } from '../runc/runc.js';
import { traceMark } from '../trace.js';

export interface ContainerExit {
  /** The container's exit status (128+n when a signal n ended it, as runc reports). */
  exitCode: number;
  /** The signal that ended it, when exitCode > 128. */
  signal?: NodeJS.Signals | undefined;
  /** The kernel OOM killer ended it (only known when `watchOom` was on). */
  oomKilled: boolean;
  finishedAt: Date;
}

/** A running container held by this process; `await using` stops and removes it. */
export interface ContainerHandle extends AsyncDisposable {
  readonly id: string;
  /** The container's init process, in the host PID namespace. */
  readonly pid: number;
  readonly startedAt: Date;
  /** Resolves when the container has exited and its output is fully in the log. */
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
  /** The CRI log file stdout and stderr go to (appended; kubelet keeps one per restart). */
  logPath: string;
  /** Follow `runc events` to tell an OOM kill from another SIGKILL (one more process). */
  watchOom?: boolean | undefined;
  /** Aborting kills the container (SIGKILL). */
  signal?: AbortSignal | undefined;
}

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

/** Follows `runc events` for an OOM notification; returns a probe and a stopper. */
function watchOomEvents(runc: Runc, id: string): { oomSeen: () => boolean; stop: () => void } {
  let seen = false;
  const child = spawn(runc.binary, ['--root', runc.root, 'events', '--interval', '24h', id], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        if ((JSON.parse(line) as { type?: string }).type === 'oom') seen = true;
      } catch {
        // not JSON: ignore
      }
    }
  });
  child.on('error', () => undefined);
  return {
    oomSeen: () => seen,
    stop: () => {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/**
 * Runs one container by holding `runc run` in the foreground: runc's exit status is the
 * container's, and its stdout/stderr (no terminal) go through pipes into a CRI log file.
 * Resolves once the container's init exists (runc wrote its pid file); rejects with
 * CONTAINER_START_FAILED, runc's own message and nothing left behind when runc cannot start it.
 *
 * Holding runc means the exit status lives only in this process: if the supervisor dies, the
 * container loses its output pipes and its status is unknown (see docs/architecture.md).
 *
 * @example
 *   await using c = await runContainer({ runc, id, bundleDir, config, logPath });
 *   const { exitCode } = await c.exited;
 */
export async function runContainer(options: RunContainerOptions): Promise<ContainerHandle> {
  const { runc, id, bundleDir } = options;
  if (options.config !== undefined) await writeBundleConfig(bundleDir, options.config);
  const pidFile = join(bundleDir, 'container.pid');
  await rm(pidFile, { force: true });
  const log = await CriLogWriter.open(options.logPath);
  traceMark(`runc.${id}.spawn`);
  const held = runc.run(id, { bundle: bundleDir, pidFile, stdio: ['ignore', 'pipe', 'pipe'] });
  const { stdout, stderr } = held.child;
  const copied = Promise.all([
    stdout === null ? undefined : log.pipe(stdout, 'stdout'),
    stderr === null ? undefined : log.pipe(stderr, 'stderr'),
  ]);
  // An object, so that TypeScript does not narrow the flag across awaits.
  const runState = { exited: false };
  void held.exited.then(() => (runState.exited = true));

  let oom: ReturnType<typeof watchOomEvents> | undefined;
  const exited: Promise<ContainerExit> = (async () => {
    const r = await held.exited;
    await copied.catch(() => undefined);
    await log.close();
    oom?.stop();
    const signal = r.code > 128 ? SIGNALS[r.code - 128] : undefined;
    return {
      exitCode: r.code,
      signal,
      oomKilled: r.code === 137 && oom?.oomSeen() === true,
      finishedAt: new Date(),
    };
  })();

  // runc writes the pid file once the container's init exists; poll until then or exit.
  let pid = 0;
  for (;;) {
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    if (/^\d+$/.test(text.trim())) {
      pid = Number(text.trim());
      break;
    }
    if (runState.exited) break;
    await sleep(5);
  }
  if (pid === 0) {
    const r = await held.exited;
    await exited;
    await runc.delete(id, { force: true }).catch(() => undefined);
    throw new PodkitError(
      'CONTAINER_START_FAILED',
      `container ${id} did not start: ${r.runcError ?? `runc exit ${String(r.code)}`}`,
      {
        hint: "check the image (command exists in it?) and the container spec; the container log has runc's output",
      },
    );
  }
  traceMark(`runc.${id}.pid`);
  const startedAt = new Date();
  if (options.watchOom === true) oom = watchOomEvents(runc, id);

  const kill = async (sig: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (runState.exited) return;
    await runc.kill(id, sig);
  };
  const onAbort = (): void => {
    void kill('SIGKILL').catch(() => undefined);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  void exited.finally(() => options.signal?.removeEventListener('abort', onAbort));
  if (options.signal?.aborted === true) onAbort();

  let removing: Promise<void> | undefined;
  const remove = (): Promise<void> =>
    (removing ??= (async () => {
      await kill('SIGKILL').catch(() => undefined);
      await exited;
      await runc.delete(id, { force: true });
      await rm(pidFile, { force: true });
    })());
  return { id, pid, startedAt, exited, kill, remove, [Symbol.asyncDispose]: remove };
}
