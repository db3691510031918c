import { constants, openSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import path from 'node:path';

/** How often a start that has not completed checks that the container's init still lives. */
const LIVENESS_CHECK_MS = 100;

/**
 * What `runc start` does to a created container, without starting the runc binary (a Go
 * program: ~10 ms of CPU per start, on a pod start's critical path). After `runc create`, the
 * container's init waits in runc's code, blocked opening `<runc root>/<id>/exec.fifo` for
 * writing; a reader releases it: init writes one byte and execs the container's process (the
 * fifo closes with exec). `runc start` opens the fifo, reads until that close, then removes
 * the fifo, which is how runc itself tells "created" from "running" afterwards
 * (libcontainer's `exec()` / `handleFifoResult`, runc 1.0 to 1.2). This does the same.
 *
 * Returns false, having changed nothing, when there is no fifo (no such container, or one
 * already started) or the container's init is gone: the caller then runs `runc start`, whose
 * own error says why. The fifo is opened non-blocking (a blocking open would wait forever for
 * a dead init) and watched by the event loop: data, then hang-up once init execs.
 *
 * @example
 *   if (!(await releaseCreated(runc.root, id, pid))) await runc.start(id);
 */
export async function releaseCreated(
  runcRoot: string,
  id: string,
  initPid: number,
  signal?: AbortSignal,
): Promise<boolean> {
  signal?.throwIfAborted();
  const fifo = path.join(runcRoot, id, 'exec.fifo');
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  const socket = new Socket({ fd, readable: true, writable: false });
  let bytes = 0;
  const ended = await new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => {
      finish(false);
    };
    // A hang-up with no byte read: a writer came and went without releasing (not runc's).
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('end', () => {
      finish(bytes > 0);
    });
    socket.on('error', () => {
      finish(false);
    });
    const timer = setInterval(() => {
      void initAlive(initPid).then((alive) => {
        if (!alive) finish(bytes > 0);
      });
    }, LIVENESS_CHECK_MS);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  signal?.throwIfAborted();
  if (!ended) return false;
  await unlink(fifo).catch(() => undefined);
  return true;
}

/** True while `pid` exists and is not a zombie. */
async function initAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
