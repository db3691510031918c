import { lstat } from 'node:fs/promises';
import type { BindMountPlan, TmpfsPlan } from '../oci/config.js';

/**
 * What a host-image container does not see of the host, by default: home directories, the
 * host's temporary and runtime dirs, password hashes and SSH host keys. Directories become
 * empty private tmpfs (still writable, so HOME=/root works); files read as empty.
 * The state root (other pods' files) and any caller-given paths (e.g. the project directory)
 * are added by `hostImageIsolation`.
 */
export const DEFAULT_HOST_HIDDEN_PATHS: readonly string[] = [
  '/root',
  '/home',
  '/tmp',
  '/var/tmp',
  '/run',
  '/etc/shadow',
  '/etc/shadow-',
  '/etc/gshadow',
  '/etc/gshadow-',
  '/etc/ssh',
];

export interface HostIsolation {
  tmpfs: TmpfsPlan[];
  maskedPaths: string[];
  /** The image's kept paths, bound read-only over what hides them. */
  binds: BindMountPlan[];
}

/**
 * The tmpfs mounts and masked files that hide host paths from a host-image container: each
 * existing directory gets an empty tmpfs with the directory's own mode, each other existing
 * path is masked (runc binds /dev/null over it). Paths that do not exist are skipped.
 *
 * @example
 *   const { tmpfs, maskedPaths } = await hostImageIsolation({ stateRoot: '/var/lib/podkit', extraHidden: [process.cwd()] });
 */
export async function hostImageIsolation(options: {
  stateRoot: string;
  extraHidden?: readonly string[] | undefined;
  /** Paths that stay visible (read-only) even under a hidden directory: the image's `keep`. */
  keep?: readonly string[] | undefined;
  hostRoot?: string | undefined;
}): Promise<HostIsolation> {
  const hostRoot = options.hostRoot ?? '';
  const paths = [
    ...new Set([...DEFAULT_HOST_HIDDEN_PATHS, options.stateRoot, ...(options.extraHidden ?? [])]),
  ];
  const out: HostIsolation = { tmpfs: [], maskedPaths: [], binds: [] };
  for (const k of options.keep ?? []) {
    out.binds.push({ destination: k, source: hostRoot + k, readOnly: true });
  }
  for (const p of paths) {
    if (p === '/' || !p.startsWith('/')) continue;
    const st = await lstat(hostRoot + p).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isDirectory()) out.tmpfs.push({ destination: p, mode: (st.mode & 0o7777).toString(8) });
    else out.maskedPaths.push(p);
  }
  return out;
}
