import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildOciConfig, type ContainerPlan, type HostFacts } from '../oci/config.js';
import type { Runc } from '../runc/runc.js';
import {
  imageLowerDirs,
  mountRootfs,
  unmountRootfs,
  type RootfsMount,
} from '../images/rootfs-mount.js';
import type { ImageRecord } from '../images/image-store.js';
import {
  createContainer,
  forgetContainer,
  type ContainerHandle,
  type CreatedContainer,
} from '../supervisor/run-container.js';
import { traceMark } from '../trace.js';

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
  /** The fresh rootfs prepareRootfs made for this attempt ahead of time, if any. */
  rootfs?: RootfsMount | undefined;
}

/**
 * A fresh writable layer over the image at `<containerDir>/rootfs`, made ahead of the attempt
 * that will use it (startAttempt's `rootfs`): the pod worker mounts its containers' first
 * overlays while the sandbox is being created. The rootfs has no runc state to clean.
 */
export async function prepareRootfs(input: {
  containerDir: string;
  stateRoot: string;
  image: ImageRecord;
}): Promise<RootfsMount> {
  const { containerDir } = input;
  await unmountRootfs(containerDir);
  await mkdir(containerDir, { recursive: true, mode: 0o700 });
  return mountRootfs({ lowerDirs: imageLowerDirs(input.stateRoot, input.image), containerDir });
}

/**
 * Starts one attempt of a container: a fresh writable layer over the image (a restarted
 * container starts from its image again, as under kubelet), config.json from the plan, and the
 * container created and started under conmon (runContainer). Resolves once the container's
 * process exists; on failure nothing of the attempt is left but its log.
 */
export async function startAttempt(input: StartAttemptInput): Promise<ContainerHandle> {
  return (await createAttempt(input)).start();
}

/**
 * An attempt created (`runc create` under conmon over its mounted rootfs) and not started:
 * start() runs it, abort() removes the container and its rootfs mount. Exactly one is called;
 * a failed start leaves nothing either.
 */
export interface CreatedAttempt {
  start(): Promise<ContainerHandle>;
  abort(): Promise<void>;
}

/** startAttempt's first half: the rootfs, the plan and `runc create` (see CreatedAttempt). */
export async function createAttempt(input: StartAttemptInput): Promise<CreatedAttempt> {
  const { runc, id, containerDir } = input;
  traceMark(`attempt.${id}.begin`);
  let rootfs = input.rootfs;
  if (rootfs === undefined) {
    await cleanupAttempt(runc, id, containerDir);
    await rm(path.join(containerDir, 'overlay'), { recursive: true, force: true });
    await mkdir(containerDir, { recursive: true, mode: 0o700 });
  }
  await mkdir(path.dirname(input.logPath), { recursive: true, mode: 0o700 });
  rootfs ??= await mountRootfs({
    lowerDirs: imageLowerDirs(input.stateRoot, input.image),
    containerDir,
  });
  const mounted = rootfs;
  traceMark(`attempt.${id}.mounted`);
  let created: CreatedContainer;
  try {
    const plan = await input.plan(mounted.path);
    traceMark(`attempt.${id}.planned`);
    created = await createContainer({
      runc,
      id,
      bundleDir: containerDir,
      config: buildOciConfig(plan, input.hostFacts),
      logPath: input.logPath,
    });
  } catch (err) {
    await mounted.unmount().catch(() => undefined);
    throw err;
  }
  return {
    start: async () => {
      try {
        return await created.start();
      } catch (err) {
        await mounted.unmount().catch(() => undefined);
        throw err;
      }
    },
    abort: async () => {
      await created.abort();
      await mounted.unmount().catch(() => undefined);
    },
  };
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
  await forgetContainer(runc, id, containerDir);
  await unmountRootfs(containerDir);
}
