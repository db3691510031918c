import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildOciConfig, type ContainerPlan, type HostFacts } from '../oci/config.js';
import type { Runc } from '../runc/runc.js';
import { imageLowerDirs, mountRootfs, unmountRootfs } from '../images/rootfs-mount.js';
import type { ImageRecord } from '../images/image-store.js';
import { runContainer, type ContainerHandle } from '../supervisor/run-container.js';

export type { ContainerExit } from '../supervisor/run-container.js';

export interface StartAttemptInput {
  runc: Runc;
  /** runc container id (unique on the machine). */
  id: string;
  /** `<podDir>/containers/<name>`: the bundle (config.json, rootfs, overlay). */
  containerDir: string;
  stateRoot: string;
  image: ImageRecord;
  logPath: string;
  hostFacts: HostFacts;
  /** Builds the plan once the rootfs is mounted (user lookup reads its /etc/passwd). */
  plan: (rootfs: string) => Promise<ContainerPlan>;
}

/**
 * Starts one attempt of a container: a fresh writable layer over the image (a restarted
 * container starts from its image again, as under kubelet), config.json from the plan, and the
 * supervisor's held `runc run` (runContainer). Resolves once the container's process exists;
 * on failure nothing of the attempt is left but its log.
 */
export async function startAttempt(input: StartAttemptInput): Promise<ContainerHandle> {
  const { runc, id, containerDir } = input;
  await cleanupAttempt(runc, id, containerDir);
  await rm(path.join(containerDir, 'overlay'), { recursive: true, force: true });
  await mkdir(containerDir, { recursive: true, mode: 0o700 });
  await mkdir(path.dirname(input.logPath), { recursive: true, mode: 0o700 });
  const rootfs = await mountRootfs({
    lowerDirs: imageLowerDirs(input.stateRoot, input.image),
    containerDir,
  });
  try {
    const plan = await input.plan(rootfs.path);
    return await runContainer({
      runc,
      id,
      bundleDir: containerDir,
      config: buildOciConfig(plan, input.hostFacts),
      logPath: input.logPath,
      // Telling an OOM kill apart costs a `runc events` process: only where a limit is set.
      watchOom: plan.resources?.memoryLimitBytes !== undefined,
    });
  } catch (err) {
    await rootfs.unmount().catch(() => undefined);
    throw err;
  }
}

/** Removes what an attempt left: runc state and the rootfs mount (logs stay). Idempotent. */
export async function cleanupAttempt(runc: Runc, id: string, containerDir: string): Promise<void> {
  // runc keeps a directory per container under its root: without one there is nothing to
  // delete, and a first start saves a runc process.
  if (
    await access(path.join(runc.root, id)).then(
      () => true,
      () => false,
    )
  ) {
    await runc.delete(id, { force: true });
  }
  await unmountRootfs(containerDir);
}
