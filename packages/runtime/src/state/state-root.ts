import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

/** Where podkit keeps its state unless told otherwise. */
export const DEFAULT_STATE_ROOT = '/var/lib/podkit';

/**
 * The directory layout under the state root. Every path podkit writes is derived here, so
 * `gc` and a second process find the same files.
 *
 * ```
 * <root>/pods/<uid>/        one directory per pod (sandbox.json, sandbox/, containers…)
 * <root>/runc/              runc --root: runc's own container state
 * <root>/cni/               host-local IPAM data dir (leases)
 * <root>/images/            local images
 * <root>/locks/             lock files (global + one per pod)
 * ```
 */
export interface StateLayout {
  readonly root: string;
  readonly podsDir: string;
  readonly runcRoot: string;
  readonly cniDataDir: string;
  readonly imagesDir: string;
  readonly locksDir: string;
  podDir(uid: string): string;
  podLockPath(uid: string): string;
  readonly globalLockPath: string;
}

/**
 * The state root: the explicit option, else `$PODKIT_ROOT`, else /var/lib/podkit.
 *
 * @example
 *   const layout = stateLayout(resolveStateRoot()); // /var/lib/podkit/...
 */
export function resolveStateRoot(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen =
    explicit ??
    (env.PODKIT_ROOT !== undefined && env.PODKIT_ROOT !== ''
      ? env.PODKIT_ROOT
      : DEFAULT_STATE_ROOT);
  return path.resolve(chosen);
}

/** The layout under `root` (pure: creates nothing; see ensureStateLayout). */
export function stateLayout(root: string): StateLayout {
  const abs = path.resolve(root);
  const podsDir = path.join(abs, 'pods');
  const locksDir = path.join(abs, 'locks');
  return {
    root: abs,
    podsDir,
    runcRoot: path.join(abs, 'runc'),
    cniDataDir: path.join(abs, 'cni'),
    imagesDir: path.join(abs, 'images'),
    locksDir,
    globalLockPath: path.join(locksDir, 'global.lock'),
    podDir: (uid) => path.join(podsDir, checkPathSegment(uid, 'pod uid')),
    podLockPath: (uid) => path.join(locksDir, `pod-${checkPathSegment(uid, 'pod uid')}.lock`),
  };
}

/** Creates the layout's directories (0700: pod state holds secrets). */
export async function ensureStateLayout(layout: StateLayout): Promise<void> {
  for (const dir of [
    layout.root,
    layout.podsDir,
    layout.runcRoot,
    layout.cniDataDir,
    layout.imagesDir,
    layout.locksDir,
  ]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
}

/**
 * A value used as one path segment (pod uid, container id) must not escape its directory.
 * Kubernetes uids are RFC 4122 UUIDs; this accepts a little more but never `/`, `..` or
 * leading dots.
 */
export function checkPathSegment(value: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw runtimeError(
      RuntimeErrorCode.STATE_INVALID_ID,
      `${what} ${JSON.stringify(value)} is not usable as a file name`,
      {
        hint: 'use letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit',
      },
    );
  }
  return value;
}
