import { isMountPoint, mountTmpfs } from '../host/mounts.js';

/** Mounts the pod's /dev/shm: a tmpfs of `sizeBytes`, mode 1777, nosuid/nodev/noexec. */
export async function mountShm(
  dir: string,
  sizeBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  if (await isMountPoint(dir)) return;
  await mountTmpfs(dir, { sizeBytes, mode: 0o1777, noexec: true, source: 'shm', signal });
}
