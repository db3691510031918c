import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { runCommand } from '../host/run-command.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

/** Where `ip netns` keeps its bind-mounted namespace files. */
export const NETNS_RUN_DIR = '/run/netns';

/** The file that pins network namespace `name`. */
export function netnsPath(name: string): string {
  return path.join(NETNS_RUN_DIR, name);
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
