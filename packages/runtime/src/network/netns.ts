import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../host/run-command.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

/** Where `ip netns` keeps its bind-mounted namespace files. */
export const NETNS_RUN_DIR = '/run/netns';

/** The file that pins network namespace `name`. */
export function netnsPath(name: string): string {
  return path.join(NETNS_RUN_DIR, name);
}

let netnsDirReady: Promise<void> | undefined;

/**
 * Makes /run/netns what `ip netns add` makes it before its first namespace: a directory that is
 * a mount point with shared propagation (so a namespace pinned there is seen by every mount
 * namespace that has /run/netns, as `ip netns exec` expects). Once per process; a namespace can
 * then be pinned there by any bind mount of it (`unshare --net=/run/netns/NAME`).
 */
export function prepareNetnsDir(signal?: AbortSignal): Promise<void> {
  netnsDirReady ??= (async () => {
    await mkdir(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    const own = info
      .split('\n')
      .map((line) => line.split(' '))
      .filter((f) => f[4] === NETNS_RUN_DIR)
      .at(-1);
    if (own === undefined)
      await runCommand(['mount', '--bind', NETNS_RUN_DIR, NETNS_RUN_DIR], { signal });
    // Optional fields (field 7 up to "-") carry "shared:N" for a shared mount.
    if (own === undefined || !own.slice(6, own.indexOf('-')).some((f) => f.startsWith('shared:')))
      await runCommand(['mount', '--make-shared', NETNS_RUN_DIR], { signal });
  })().catch((err: unknown) => {
    netnsDirReady = undefined;
    throw runtimeError(RuntimeErrorCode.NETNS_FAILED, `cannot prepare ${NETNS_RUN_DIR}`, {
      cause: err,
    });
  });
  return netnsDirReady;
}

/**
 * Creates the named network namespace `name` with `ip netns add` (a bind mount of the
 * namespace on /run/netns/<name>, so it outlives every process in it and can be found and
 * removed by a later process, e.g. gc after a crash). Returns its path.
 *
 * @example
 *   const p = await createNetns('podkit-abc'); // '/run/netns/podkit-abc'
 */
export async function createNetns(name: string, signal?: AbortSignal): Promise<string> {
  try {
    await runCommand(['ip', 'netns', 'add', name], { signal });
  } catch (cause) {
    throw runtimeError(RuntimeErrorCode.NETNS_FAILED, `cannot create network namespace ${name}`, {
      cause,
    });
  }
  return netnsPath(name);
}

/** Removes the named network namespace; a namespace that is already gone is fine. */
export async function deleteNetns(name: string, signal?: AbortSignal): Promise<void> {
  if (!(await netnsExists(name))) return;
  const r = await runCommand(['ip', 'netns', 'delete', name], { signal, allowFailure: true });
  if (r.code !== 0 && (await netnsExists(name))) {
    throw runtimeError(
      RuntimeErrorCode.NETNS_FAILED,
      `cannot remove network namespace ${name}: ${r.stderr.trim()}`,
    );
  }
}

export async function netnsExists(name: string): Promise<boolean> {
  return stat(netnsPath(name)).then(
    () => true,
    () => false,
  );
}

/** Names of the named network namespaces starting with `prefix`. */
export async function listNetns(prefix: string): Promise<string[]> {
  const names = await readdir(NETNS_RUN_DIR).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix)).sort();
}
