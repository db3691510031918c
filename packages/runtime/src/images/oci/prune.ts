import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { listImages } from '../image-store.js';
import { blobsDir, hasBlob, readBlobJson } from './blob-store.js';
import { layersDir } from './import-image.js';
import { isIndexMediaType } from './media-types.js';
import { activeImageWrites } from './store-activity.js';
import { imageError, RuntimeErrorCode } from '../../errors.js';

export interface PruneResult {
  /** Digests of the blobs removed. */
  blobs: string[];
  /** diff_ids of the unpacked layers removed. */
  layers: string[];
  /** Bytes freed (blob sizes; unpacked layers are not counted). */
  bytes: number;
}

/** Temp files of an interrupted load/unpack older than this are leftovers. */
const STALE_TMP_MS = 60 * 60 * 1000;

/** The layer directories that mounted overlays use now (lowerdir= of /proc/self/mountinfo). */
async function mountedLayers(stateRoot: string): Promise<Set<string>> {
  const dir = layersDir(stateRoot);
  const out = new Set<string>();
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  for (const line of info.split('\n')) {
    const m = /lowerdir=([^,\s]+)/.exec(line);
    if (m?.[1] === undefined) continue;
    for (const d of m[1].split(':')) {
      const unescaped = d.replace(/\\([0-7]{3})/g, (_, o: string) =>
        String.fromCharCode(parseInt(o, 8)),
      );
      // Relative lowerdirs (many layers, see rootfs-mount.ts) are bare diff_id hex names.
      if (path.dirname(unescaped) === dir || /^[0-9a-f]{64}$/.test(unescaped))
        out.add(`sha256:${path.basename(unescaped)}`);
    }
  }
  return out;
}

/**
 * Removes the blobs and unpacked layers no image record refers to, as `podman image prune`
 * does for dangling data (a record keeps its manifest — and the index it came from —, its
 * config and its layer blobs; its layers by diff_id). Layers an overlay still uses (a pod of
 * an image removed with --force) are kept. Stale temp files of interrupted loads go too.
 * Refused (IMAGE_IN_USE) while a load or pull is under way: their blobs are not referred to
 * until the image is recorded.
 *
 * @example
 *   const { blobs, layers, bytes } = await pruneImageStore('/var/lib/podkit');
 */
export async function pruneImageStore(stateRoot: string): Promise<PruneResult> {
  const busy = await activeImageWrites(stateRoot);
  if (busy.length > 0) {
    throw imageError(
      RuntimeErrorCode.IMAGE_IN_USE,
      `an image load or pull is under way (pid ${busy.join(', ')}); prune would remove its blobs`,
      { hint: 'run `podkit image prune` again when it has finished' },
    );
  }
  const keepBlobs = new Set<string>();
  const keepLayers = await mountedLayers(stateRoot);
  for (const r of await listImages(stateRoot)) {
    if (r.kind !== 'oci') continue;
    for (const l of r.layers) keepLayers.add(l);
    for (const d of [r.digest, r.manifestDigest, r.configDigest])
      if (d !== undefined) keepBlobs.add(d);
    for (const d of [r.digest, r.manifestDigest]) {
      if (d === undefined || !(await hasBlob(stateRoot, d))) continue;
      const m = await readBlobJson<{
        mediaType?: string;
        config?: { digest?: string };
        layers?: { digest?: string }[];
      }>(stateRoot, d).catch(() => undefined);
      if (m === undefined || isIndexMediaType(m.mediaType)) continue;
      if (m.config?.digest !== undefined) keepBlobs.add(m.config.digest);
      for (const l of m.layers ?? []) if (l.digest !== undefined) keepBlobs.add(l.digest);
    }
  }
  const result: PruneResult = { blobs: [], layers: [], bytes: 0 };
  const now = Date.now();
  const sweep = async (
    dir: string,
    keep: Set<string>,
    removed: string[],
    countBytes: boolean,
  ): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) {
      const p = path.join(dir, n);
      const st = await lstat(p).catch(() => undefined);
      if (st === undefined) continue;
      if (n.startsWith('.tmp-')) {
        if (now - st.mtimeMs > STALE_TMP_MS) await rm(p, { recursive: true, force: true });
        continue;
      }
      if (!/^[0-9a-f]{64}$/.test(n) || keep.has(`sha256:${n}`)) continue;
      await rm(p, { recursive: true, force: true });
      removed.push(`sha256:${n}`);
      if (countBytes) result.bytes += st.size;
    }
  };
  await sweep(blobsDir(stateRoot), keepBlobs, result.blobs, true);
  await sweep(layersDir(stateRoot), keepLayers, result.layers, false);
  return result;
}
