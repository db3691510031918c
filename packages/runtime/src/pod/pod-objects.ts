import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMountPoint, mountTmpfs, unmountAll } from '../host/mounts.js';
import type { ConfigMap, Secret } from '../spec/types.js';
import type { PodObjects } from './container-env.js';
import {
  deserializeObjects,
  serializeObjects,
  type SerializedObjects,
} from './serialized-objects.js';

/** `<podDir>/private`: a tmpfs, so the secrets a pod uses never reach the disk. */
function privateDir(podDir: string): string {
  return path.join(podDir, 'private');
}

/**
 * Keeps the ConfigMaps and Secrets a pod was started with, for the agent that runs it — also
 * after the agent restarted (env of a restarted container, `valueFrom`). They live on a small
 * tmpfs in the pod directory (mode 0700, file 0600): like kubelet's secret volumes, never on
 * disk. Released with the pod (releasePodObjects). A file without any keeps nothing (no tmpfs
 * to mount on a pod start's path).
 */
export async function savePodObjects(
  podDir: string,
  configMaps: readonly ConfigMap[],
  secrets: readonly Secret[],
): Promise<void> {
  if (configMaps.length === 0 && secrets.length === 0) return;
  const dir = privateDir(podDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await isMountPoint(dir)))
    await mountTmpfs(dir, { sizeBytes: 16 * 1024 * 1024, mode: 0o700, noexec: true });
  await writeFile(
    path.join(dir, 'objects.json'),
    JSON.stringify(serializeObjects(configMaps, secrets)),
    {
      mode: 0o600,
    },
  );
}

/** The objects savePodObjects kept (none when the pod was released or never had any). */
export async function loadPodObjects(podDir: string): Promise<PodObjects> {
  const text = await readFile(path.join(privateDir(podDir), 'objects.json'), 'utf8').catch(
    () => undefined,
  );
  const { configMaps, secrets } =
    text === undefined
      ? { configMaps: [], secrets: [] }
      : deserializeObjects(JSON.parse(text) as SerializedObjects);
  return {
    configMaps: new Map(configMaps.map((c) => [c.metadata.name, c])),
    secrets: new Map(secrets.map((s) => [s.metadata.name, s])),
  };
}

/** Drops the pod's objects (its tmpfs). Idempotent. */
export async function releasePodObjects(podDir: string): Promise<void> {
  await unmountAll(privateDir(podDir));
}
