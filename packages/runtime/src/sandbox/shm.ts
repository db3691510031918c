import { isMountPoint, mountTmpfs, tmpfsMountArgv } from '../host/mounts.js';

/** Mounts the pod's /dev/shm: a tmpfs of `sizeBytes`, mode 1777, nosuid/nodev/noexec. */
export async function mountShm(
  dir: string,
  sizeBytes: number,
  signal?: AbortSignal,
): Promise<void> {
  if (await isMountPoint(dir)) return;
  await mountTmpfs(dir, { ...shmOptions(sizeBytes), signal });
}

/** mountShm's `mount` command, for a new sandbox's dir (nothing mounted there yet). */
export function shmMountArgv(dir: string, sizeBytes: number): string[] {
  return tmpfsMountArgv(dir, shmOptions(sizeBytes));
}

function shmOptions(sizeBytes: number) {
  return { sizeBytes, mode: 0o1777, noexec: true, source: 'shm' };
}
