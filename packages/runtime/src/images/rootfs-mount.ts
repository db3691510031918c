import { chmod, lstat, mkdir, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PodkitError } from '@podkit/kit';
import type { ImageRecord } from './image-store.js';
import { isMountPoint } from '../host/mounts.js';
import { runCommand } from '../host/run-command.js';
import { RuntimeErrorCode } from '../errors.js';

async function run(
  cmd: string,
  args: readonly string[],
  signal?: AbortSignal,
  cwd?: string,
): Promise<void> {
  await runCommand([cmd, ...args], { signal, stdout: 'ignore', cwd });
}

/** mount(2) takes at most a page of option data; longer overlay options fail with EINVAL. */
const MOUNT_DATA_MAX = 4095;

/**
 * The overlay mount options, and the directory to run mount in. Many layers under one parent
 * (an OCI image's `images/layers/sha256/<diff_id>` dirs) overflow the page of option data as
 * absolute paths; overlayfs resolves relative lowerdirs from the mounting process's cwd, so
 * they are then given relative to their parent, as containerd's overlay snapshotter does.
 */
function overlayOptions(
  lowerDirs: readonly string[],
  upperDir: string,
  workDir: string,
): { opts: string; cwd?: string } {
  const rest = `upperdir=${upperDir},workdir=${workDir}`;
  const opts = `lowerdir=${lowerDirs.join(':')},${rest}`;
  if (opts.length <= MOUNT_DATA_MAX) return { opts };
  const parent = dirname(lowerDirs[0] ?? '/');
  if (lowerDirs.every((d) => dirname(d) === parent)) {
    const relative = `lowerdir=${lowerDirs.map((d) => basename(d)).join(':')},${rest}`;
    if (relative.length <= MOUNT_DATA_MAX) return { opts: relative, cwd: parent };
  }
  throw new PodkitError(
    RuntimeErrorCode.ROOTFS_MOUNT_FAILED,
    `the image has too many layers (${String(lowerDirs.length)}) for one overlay mount`,
    { hint: 'flatten the image (fewer layers, e.g. a multi-stage build) and load it again' },
  );
}

/** A container's prepared root filesystem; dispose (or `unmount`) to remove it. */
export interface RootfsMount extends AsyncDisposable {
  /** `<containerDir>/rootfs`: the overlay, config.json's root.path. */
  readonly path: string;
  /** The container's private writable layer. */
  readonly upperDir: string;
  unmount(): Promise<void>;
}

export interface MountRootfsOptions {
  /** Lower layers, topmost first (overlayfs order): `['/']` for a host image. */
  lowerDirs: readonly string[];
  /** The container's own directory (under the pod dir); rootfs and overlay/ go inside. */
  containerDir: string;
  signal?: AbortSignal | undefined;
}

/**
 * Directories every container gets writable even when the image lacks them (a busybox
 * rootfs has no /tmp); they are created in the private upper layer, never in the image.
 */
const ENSURED_DIRS: readonly [string, number][] = [
  ['tmp', 0o1777],
  ['run', 0o755],
];

/** The lower directories of an image, topmost first. */
export function imageLowerDirs(stateRoot: string, image: ImageRecord): string[] {
  switch (image.kind) {
    case 'host':
      return ['/'];
    case 'rootfs':
      return [image.rootfs];
    case 'oci':
      // Layers are listed lowest first, as in an OCI manifest; overlayfs wants topmost first.
      return [...image.layers]
        .reverse()
        .map((d) => join(stateRoot, 'images', 'layers', d.replace(':', '/')));
  }
}

/**
 * Mounts an overlay at `<containerDir>/rootfs`: the image's layers read-only below, a private
 * upper/work dir in `<containerDir>/overlay`. The host's `/` works as a lower layer: only its
 * own filesystem shows through (not /proc, /sys, /dev or other submounts, which runc mounts).
 *
 * @example
 *   await using rootfs = await mountRootfs({ lowerDirs: ['/'], containerDir });
 */
export async function mountRootfs(options: MountRootfsOptions): Promise<RootfsMount> {
  const { containerDir, lowerDirs } = options;
  const path = join(containerDir, 'rootfs');
  const upperDir = join(containerDir, 'overlay', 'upper');
  const workDir = join(containerDir, 'overlay', 'work');
  for (const d of [...lowerDirs, upperDir, workDir, path]) {
    // overlayfs splits its options on ',' and lowerdir on ':'.
    if (/[,:]/.test(d))
      throw new PodkitError(
        RuntimeErrorCode.ROOTFS_MOUNT_FAILED,
        `path ${d} contains ',' or ':' which overlayfs cannot take`,
      );
  }
  if (lowerDirs.length === 0)
    throw new PodkitError(
      RuntimeErrorCode.ROOTFS_MOUNT_FAILED,
      'an overlay needs at least one lower directory',
    );
  await mkdir(upperDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  await mkdir(path, { recursive: true });
  const unmount = (): Promise<void> => unmountRootfs(containerDir);
  try {
    if (!(await isMountPoint(path))) {
      const { opts, cwd } = overlayOptions(lowerDirs, upperDir, workDir);
      await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, path], options.signal, cwd);
    }
    for (const [dir, mode] of ENSURED_DIRS) {
      const p = join(path, dir);
      const st = await lstat(p).catch(() => undefined);
      if (st === undefined) {
        await mkdir(p);
        await chmod(p, mode);
      }
    }
  } catch (err) {
    await unmount().catch(() => undefined);
    throw err instanceof PodkitError && err.code === RuntimeErrorCode.ROOTFS_MOUNT_FAILED
      ? err
      : new PodkitError(
          RuntimeErrorCode.ROOTFS_MOUNT_FAILED,
          `cannot mount the container root filesystem at ${path}`,
          {
            cause: err,
            hint: 'podkit needs root and overlayfs (modprobe overlay); `podkit gc` removes leftovers',
          },
        );
  }
  return { path, upperDir, unmount, [Symbol.asyncDispose]: unmount };
}

/**
 * Unmounts and removes a container's rootfs and writable layer. Idempotent: safe after a crash,
 * on a half-made directory, or twice.
 */
export async function unmountRootfs(containerDir: string): Promise<void> {
  const path = join(containerDir, 'rootfs');
  if (await isMountPoint(path)) {
    try {
      await run('umount', [path]);
    } catch {
      // Busy (a process still holds it): detach now, the kernel frees it when released.
      await run('umount', ['-l', path]);
    }
  }
  if (await isMountPoint(path)) {
    throw new PodkitError(RuntimeErrorCode.ROOTFS_MOUNT_FAILED, `${path} is still mounted`, {
      hint: 'run `podkit gc` again',
    });
  }
  // rmdir, never a recursive delete, on the mount point: should anything still be mounted
  // there, a recursive delete would reach into the image (for a host image, into the host).
  await rmdir(path).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  });
  await rm(join(containerDir, 'overlay'), { recursive: true, force: true });
}
