import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PodkitError } from '@podkit/kit';
import { memoryBytes } from '../spec/quantity.js';
import { checkHostPath, createHostPath } from './host-path.js';
import { mountTmpfs, unmountAll } from '../host/mounts.js';
import { projectVolume } from './projection.js';
import type { DownwardFacts, ProjectedFile, Volume, VolumeObjects } from './types.js';
import { RuntimeErrorCode } from '../errors.js';

/** A volume ready to be bind-mounted into containers. */
export interface PreparedVolume {
  name: string;
  /** The host path to bind (the volume's root). */
  hostPath: string;
  /**
   * configMap, secret, downwardAPI and projected volumes are read-only in Kubernetes
   * (since 1.9.4): containers always get them read-only.
   */
  alwaysReadOnly: boolean;
}

/** Where a pod's volumes live: `<podDir>/volumes/<name>`. */
export function volumesDir(podDir: string): string {
  return path.join(podDir, 'volumes');
}

/**
 * Every reason the pod's volumes cannot be had, without creating anything (admission):
 * missing configMaps/secrets/keys, hostPaths of the wrong type.
 */
export async function checkVolumes(
  volumes: readonly Volume[],
  objects: VolumeObjects,
): Promise<string[]> {
  const problems: string[] = [];
  for (const v of volumes) {
    problems.push(...projectVolume(v, objects).problems);
    if (v.hostPath !== undefined) {
      const p = await checkHostPath(v.hostPath.path, v.hostPath.type);
      if (p !== undefined) problems.push(`volume "${v.name}": ${p}`);
    }
  }
  return problems;
}

async function writeFiles(dir: string, files: readonly ProjectedFile[]): Promise<void> {
  for (const f of files) {
    const target = path.join(dir, f.path);
    // Validation rejects absolute paths and `..`; re-check so a bug there cannot write outside.
    if (!target.startsWith(`${dir}/`)) {
      throw new PodkitError(
        RuntimeErrorCode.VOLUME_PATH_INVALID,
        `volume file path ${JSON.stringify(f.path)} escapes its volume`,
      );
    }
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, f.data, { mode: f.mode });
    // The umask may have cleared bits of the requested mode: set it exactly.
    await chmod(target, f.mode);
  }
}

/**
 * Creates every volume of a pod under `<podDir>/volumes`. emptyDir is a directory (or a tmpfs
 * with `medium: Memory`, sized by sizeLimit); secret volumes are tmpfs too, so secrets never
 * reach the disk, like kubelet's. On failure everything made so far is removed.
 */
export async function prepareVolumes(
  podDir: string,
  volumes: readonly Volume[],
  objects: VolumeObjects,
  facts: DownwardFacts,
): Promise<PreparedVolume[]> {
  const base = volumesDir(podDir);
  await mkdir(base, { recursive: true, mode: 0o755 });
  const prepared: PreparedVolume[] = [];
  try {
    for (const v of volumes) {
      const dir = path.join(base, v.name);
      if (v.hostPath !== undefined) {
        const problem = await checkHostPath(v.hostPath.path, v.hostPath.type);
        if (problem !== undefined)
          throw new PodkitError(
            RuntimeErrorCode.VOLUME_UNAVAILABLE,
            `volume "${v.name}": ${problem}`,
          );
        await createHostPath(v.hostPath.path, v.hostPath.type);
        prepared.push({ name: v.name, hostPath: v.hostPath.path, alwaysReadOnly: false });
        continue;
      }
      if (v.persistentVolumeClaim !== undefined) {
        const { claimName, readOnly } = v.persistentVolumeClaim;
        const claimDir = objects.claims?.get(claimName);
        if (claimDir === undefined)
          throw new PodkitError(
            RuntimeErrorCode.VOLUME_UNAVAILABLE,
            `volume "${v.name}": persistentvolumeclaim "${claimName}" is not bound to this pod`,
          );
        prepared.push({ name: v.name, hostPath: claimDir, alwaysReadOnly: readOnly });
        continue;
      }
      await mkdir(dir, { mode: 0o777 });
      if (v.emptyDir !== undefined) {
        if (v.emptyDir.medium === 'Memory') {
          const size =
            v.emptyDir.sizeLimit !== undefined ? memoryBytes(v.emptyDir.sizeLimit) : undefined;
          await mountTmpfs(dir, { sizeBytes: size, mode: 0o777 });
        } else {
          // emptyDir is world-writable like kubelet's, so non-root containers can share it.
          await chmod(dir, 0o777);
        }
        prepared.push({ name: v.name, hostPath: dir, alwaysReadOnly: false });
        continue;
      }
      const projection = projectVolume(v, objects, facts);
      if (projection.problems.length > 0) {
        throw new PodkitError(RuntimeErrorCode.VOLUME_UNAVAILABLE, projection.problems.join('; '));
      }
      if (v.secret !== undefined || v.projected !== undefined) {
        await mountTmpfs(dir, { sizeBytes: 64 * 1024 * 1024, mode: 0o755 });
      } else {
        await chmod(dir, 0o755);
      }
      await writeFiles(dir, projection.files);
      prepared.push({ name: v.name, hostPath: dir, alwaysReadOnly: true });
    }
  } catch (err) {
    await releaseVolumes(podDir);
    throw err;
  }
  return prepared;
}

/**
 * The volumes prepareVolumes made for this pod, as it returned them: what a pod adopted by a
 * restarted agent mounts into the containers it starts from then on. Creates nothing.
 */
export function preparedVolumesOf(
  podDir: string,
  volumes: readonly Volume[],
  claims: ReadonlyMap<string, string> = new Map(),
): PreparedVolume[] {
  const base = volumesDir(podDir);
  return volumes.map((v) =>
    v.hostPath !== undefined
      ? { name: v.name, hostPath: v.hostPath.path, alwaysReadOnly: false }
      : v.persistentVolumeClaim !== undefined
        ? {
            name: v.name,
            hostPath: claims.get(v.persistentVolumeClaim.claimName) ?? '/nonexistent',
            alwaysReadOnly: v.persistentVolumeClaim.readOnly,
          }
        : {
            name: v.name,
            hostPath: path.join(base, v.name),
            alwaysReadOnly: v.emptyDir === undefined,
          },
  );
}

/** Unmounts and removes every volume of a pod (idempotent; hostPaths are never touched). */
export async function releaseVolumes(podDir: string): Promise<void> {
  const base = volumesDir(podDir);
  await unmountAll(base);
  await rm(base, { recursive: true, force: true });
}
