import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mountPoints } from '../host/mounts.js';
import { runCommand } from '../host/run-command.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

/** The files whose bind mounts hold a pod's IPC and UTS namespaces. */
export interface NamespacePins {
  readonly ipc: string;
  readonly uts: string;
}

/** Where the pins of a sandbox live: `<sandbox dir>/ns/{ipc,uts}`. */
export function namespacePinsIn(sandboxDir: string): NamespacePins {
  const dir = path.join(sandboxDir, 'ns');
  return { ipc: path.join(dir, 'ipc'), uts: path.join(dir, 'uts') };
}

/**
 * Creates a new IPC and a new UTS namespace whose hostname is `hostname`, and pins both by
 * bind-mounting them on `pins` (as CRI-O's pinns does with drop_infra_ctr): they then outlive
 * the one short process that made them, with no pause process to keep them alive. Containers
 * join them by path; whoever removes the sandbox unmounts the files (any process, any time:
 * the mounts are in the host's mount table, found by `mountsUnder` of the sandbox dir).
 *
 * The pins live in the mount namespace of the process that makes them, which must be the
 * host's (as for `ip netns add` and the pod's /dev/shm): the agent does not unshare mounts.
 *
 * util-linux `unshare --ipc=FILE --uts=FILE hostname NAME` does it in one step: it unshares
 * both, a child of it bind-mounts /proc/<pid>/ns/{ipc,uts} on the files, then it execs
 * `hostname` inside the new UTS namespace. The files must exist beforehand.
 *
 * @example
 *   const pins = await pinNamespaces(namespacePinsIn('/var/lib/podkit/pods/u1/sandbox'), 'web');
 *   // pins.uts === '/var/lib/podkit/pods/u1/sandbox/ns/uts'
 */
export async function pinNamespaces(
  pins: NamespacePins,
  hostname: string,
  signal?: AbortSignal,
): Promise<NamespacePins> {
  await mkdir(path.dirname(pins.ipc), { recursive: true, mode: 0o700 });
  await mkdir(path.dirname(pins.uts), { recursive: true, mode: 0o700 });
  // Empty regular files as mount points (bind mounts of nsfs need a file, not a directory).
  await writeFile(pins.ipc, '', { mode: 0o400 });
  await writeFile(pins.uts, '', { mode: 0o400 });
  const r = await runCommand(
    ['unshare', `--ipc=${pins.ipc}`, `--uts=${pins.uts}`, '--', 'hostname', hostname],
    { signal, allowFailure: true },
  );
  if (r.code !== 0) {
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `cannot pin the IPC and UTS namespaces on ${path.dirname(pins.ipc)}: ${r.stderr.trim() || `unshare exited with ${String(r.code)}`}`,
      {
        hint: 'unshare and hostname come with Debian util-linux and hostname; run: bash scripts/setup.sh',
      },
    );
  }
  return pins;
}

/** True while both pins are mounted (the namespaces they hold exist). */
export async function namespacesPinned(pins: NamespacePins): Promise<boolean> {
  const points = new Set(await mountPoints());
  return points.has(path.resolve(pins.ipc)) && points.has(path.resolve(pins.uts));
}
