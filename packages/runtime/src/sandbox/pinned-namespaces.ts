import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mountPoints } from '../host/mounts.js';
import { runCommand } from '../host/run-command.js';
import { runtimeError, RuntimeErrorCode } from '../errors.js';
import { prepareNetnsDir } from '../network/index.js';

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
 * With `netns` (a path under /run/netns), the pod's network namespace is made and pinned there
 * in the same step, as `ip netns add` would, with its loopback up (what CNI's loopback plugin
 * does): one process for the three namespaces instead of three, on a pod start's critical path.
 *
 * The pins live in the mount namespace of the process that makes them, which must be the
 * host's (as for `ip netns add` and the pod's /dev/shm): the agent does not unshare mounts.
 *
 * util-linux `unshare --ipc=FILE --uts=FILE [--net=FILE] CMD` does it in one step: it unshares,
 * a child of it bind-mounts /proc/<pid>/ns/* on the files, then it execs CMD inside the new
 * namespaces (`hostname NAME`, and `ip link set lo up` with a netns). The files must exist
 * beforehand. With a netns, `then` (a command's argv, e.g. the pod's /dev/shm `mount`) runs last
 * in that same process: the mount namespace is the host's, and every process the agent spawns
 * stalls its event loop until the child execs (a pod start's critical path).
 *
 * @example
 *   const pins = await pinNamespaces(namespacePinsIn('/var/lib/podkit/pods/u1/sandbox'), 'web');
 *   // pins.uts === '/var/lib/podkit/pods/u1/sandbox/ns/uts'
 */
export async function pinNamespaces(
  pins: NamespacePins,
  hostname: string,
  signal?: AbortSignal,
  netns?: string,
  then?: readonly string[],
): Promise<NamespacePins> {
  await mkdir(path.dirname(pins.ipc), { recursive: true, mode: 0o700 });
  await mkdir(path.dirname(pins.uts), { recursive: true, mode: 0o700 });
  // Empty regular files as mount points (bind mounts of nsfs need a file, not a directory).
  await writeFile(pins.ipc, '', { mode: 0o400 });
  await writeFile(pins.uts, '', { mode: 0o400 });
  const argv = ['unshare', `--ipc=${pins.ipc}`, `--uts=${pins.uts}`];
  if (netns !== undefined) {
    await prepareNetnsDir(signal);
    // As `ip netns add`: a new file, never an existing namespace's.
    await writeFile(netns, '', { mode: 0o400, flag: 'wx' }).catch((cause: unknown) => {
      throw runtimeError(RuntimeErrorCode.NETNS_FAILED, `cannot create ${netns}`, { cause });
    });
    const script =
      then === undefined
        ? 'hostname "$1" && ip link set lo up'
        : 'hostname "$1" && ip link set lo up && shift && exec "$@"';
    argv.push(`--net=${netns}`, '--', 'sh', '-c', script, 'sh', hostname, ...(then ?? []));
  } else {
    argv.push('--', 'hostname', hostname);
  }
  const r = await runCommand(argv, { signal, allowFailure: true });
  if (r.code !== 0) {
    throw runtimeError(
      RuntimeErrorCode.SANDBOX_FAILED,
      `cannot pin the pod's namespaces on ${path.dirname(pins.ipc)}${netns === undefined ? '' : ` and ${netns}`}: ${r.stderr.trim() || `unshare exited with ${String(r.code)}`}`,
      {
        hint: 'unshare, hostname and ip come with Debian util-linux, hostname and iproute2; run: bash scripts/setup.sh',
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
