import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { imageError, RuntimeErrorCode } from '../../errors.js';
import { addImage, type ImageConfig, type ImageRecord } from '../image-store.js';
import { assertDigest, blobPath, hasBlob, openBlob, readBlobJson } from './blob-store.js';
import type { Platform } from './layout-writer.js';
import { isIndexMediaType, MEDIA_TYPES } from './media-types.js';
import { DEFAULT_PLATFORM, selectPlatform } from './platform.js';
import { unpackLayer, type UnpackLimits } from './unpack-layer.js';

/** Where unpacked layers live: `<state root>/images/layers/sha256/<diff_id hex>`. */
export const layersDir = (stateRoot: string): string =>
  path.join(stateRoot, 'images', 'layers', 'sha256');

/** The directory of an unpacked layer (an overlay lower dir). */
export function layerPath(stateRoot: string, diffId: string): string {
  assertDigest(diffId);
  return path.join(layersDir(stateRoot), diffId.slice('sha256:'.length));
}

interface DescriptorJson {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
}

interface ManifestJson {
  schemaVersion?: unknown;
  mediaType?: unknown;
  config?: DescriptorJson;
  layers?: unknown;
  manifests?: unknown;
}

interface ConfigJson {
  created?: unknown;
  architecture?: unknown;
  os?: unknown;
  config?: {
    Entrypoint?: unknown;
    Cmd?: unknown;
    Env?: unknown;
    WorkingDir?: unknown;
    User?: unknown;
    StopSignal?: unknown;
  } | null;
  rootfs?: { type?: unknown; diff_ids?: unknown };
}

const LAYER_MEDIA_TYPES = new Set<string>([
  MEDIA_TYPES.ociLayer,
  MEDIA_TYPES.ociLayerGzip,
  MEDIA_TYPES.ociLayerZstd,
  MEDIA_TYPES.dockerLayer,
  MEDIA_TYPES.dockerLayerGzip,
  MEDIA_TYPES.dockerForeignLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

const invalid = (what: string): Error =>
  imageError(RuntimeErrorCode.IMAGE_FORMAT_INVALID, what, {
    hint: 'the image is malformed or of an unsupported kind (podkit reads OCI and Docker v2 schema 2 images)',
  });

function descriptor(d: DescriptorJson | undefined, what: string): { digest: string; size: number } {
  if (d === undefined || typeof d.digest !== 'string' || typeof d.size !== 'number')
    throw invalid(`${what}: a descriptor needs a digest and a size`);
  assertDigest(d.digest);
  return { digest: d.digest, size: d.size };
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The subset of an OCI image config podkit honours. */
export function imageConfigFromOci(config: ConfigJson): ImageConfig {
  const c = config.config ?? {};
  const out: ImageConfig = {};
  const entrypoint = strings(c.Entrypoint);
  const cmd = strings(c.Cmd);
  const env = strings(c.Env)?.filter((e) => e.indexOf('=') > 0);
  const workingDir = str(c.WorkingDir);
  const user = str(c.User);
  const stopSignal = str(c.StopSignal);
  if (entrypoint !== undefined) out.entrypoint = entrypoint;
  if (cmd !== undefined) out.cmd = cmd;
  if (env !== undefined) out.env = env;
  // Docker accepts a relative WORKDIR in old images and resolves it against /.
  if (workingDir !== undefined)
    out.workingDir = workingDir.startsWith('/') ? workingDir : `/${workingDir}`;
  if (user !== undefined) out.user = user;
  if (stopSignal !== undefined) out.stopSignal = stopSignal;
  return out;
}

export interface ImportImageInput {
  /** Names to record the image under (any spelling: `busybox`, `localhost:5000/a/b:1`). */
  names: readonly string[];
  /** A manifest, or an image index / manifest list (resolved to `platform`). */
  manifestDigest: string;
  /** Default linux/amd64. */
  platform?: Platform | undefined;
  limits?: UnpackLimits | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Makes an image of blobs already in the store (see `putBlob`): reads and checks the
 * manifest (resolving an index to linux/amd64), the config and every layer blob, unpacks each
 * layer not yet unpacked (once: layers are shared by diff_id between images and containers)
 * and checks its diff_id, then records the image under every name. On failure, nothing new
 * is kept (layers unpacked by this call are removed; blobs stay: they are verified content,
 * and `image prune` removes unreferenced ones).
 *
 * @example
 *   await importImage(root, { names: ['localhost:5000/busybox:1'], manifestDigest: 'sha256:…' });
 */
export async function importImage(
  stateRoot: string,
  input: ImportImageInput,
): Promise<ImageRecord[]> {
  const platform = input.platform ?? DEFAULT_PLATFORM;
  assertDigest(input.manifestDigest);
  let manifestDigest = input.manifestDigest;
  let manifest = await readBlobJson<ManifestJson>(stateRoot, manifestDigest);
  let size = (await stat(blobPath(stateRoot, manifestDigest))).size;
  if (
    (typeof manifest.mediaType === 'string' && isIndexMediaType(manifest.mediaType)) ||
    (manifest.mediaType === undefined && Array.isArray(manifest.manifests))
  ) {
    const chosen = selectPlatform(manifest, platform);
    assertDigest(chosen.digest);
    manifestDigest = chosen.digest;
    manifest = await readBlobJson<ManifestJson>(stateRoot, manifestDigest);
    size = chosen.size;
    if (Array.isArray(manifest.manifests)) throw invalid('nested image indexes are not supported');
  }
  if (manifest.schemaVersion !== 2) {
    throw invalid(
      `manifest ${manifestDigest} has schemaVersion ${String(manifest.schemaVersion)}; podkit reads schema 2 (OCI / Docker v2s2) manifests`,
    );
  }
  const configDesc = descriptor(manifest.config, `manifest ${manifestDigest} config`);
  if (!Array.isArray(manifest.layers))
    throw invalid(`manifest ${manifestDigest} has no layers list`);
  const layerDescs = (manifest.layers as DescriptorJson[]).map((l, i) => {
    const d = descriptor(l, `manifest ${manifestDigest} layer ${String(i)}`);
    if (typeof l.mediaType === 'string' && !LAYER_MEDIA_TYPES.has(l.mediaType)) {
      throw invalid(`layer ${d.digest} has the unsupported media type ${l.mediaType}`);
    }
    return d;
  });
  const config = await readBlobJson<ConfigJson>(stateRoot, configDesc.digest);
  size += configDesc.size;
  const os = str(config.os);
  const arch = str(config.architecture);
  if (
    (os !== undefined && os !== platform.os) ||
    (arch !== undefined && arch !== platform.architecture)
  )
    throw imageError(
      RuntimeErrorCode.IMAGE_PLATFORM_NOT_FOUND,
      `the image is for ${os ?? '?'}/${arch ?? '?'}, podkit runs ${platform.os}/${platform.architecture}`,
      { hint: 'load or pull the linux/amd64 variant of the image' },
    );
  const diffIds = strings(config.rootfs?.diff_ids);
  if (diffIds?.length !== layerDescs.length) {
    throw invalid(
      `config ${configDesc.digest}: rootfs.diff_ids (${String(diffIds?.length ?? 'missing')}) does not match the manifest's ${String(layerDescs.length)} layers`,
    );
  }
  for (const d of diffIds) assertDigest(d);
  for (const l of layerDescs) {
    if (!(await hasBlob(stateRoot, l.digest))) {
      throw imageError(
        RuntimeErrorCode.IMAGE_BLOB_MISSING,
        `layer blob ${l.digest} is not in the image store`,
        {
          hint: 'load or pull the image again',
        },
      );
    }
    size += l.size;
  }
  await mkdir(layersDir(stateRoot), { recursive: true, mode: 0o700 });
  const unpackedHere: string[] = [];
  try {
    for (const [i, l] of layerDescs.entries()) {
      const diffId = diffIds[i] ?? '';
      const dest = layerPath(stateRoot, diffId);
      if ((await stat(dest).catch(() => undefined)) !== undefined) continue;
      const r = await unpackLayer({
        source: openBlob(stateRoot, l.digest),
        dest,
        expectedDiffId: diffId,
        limits: input.limits,
        signal: input.signal,
      });
      // Only what this call installed is undone on failure, never a concurrent import's.
      if (r.installed) unpackedHere.push(dest);
    }
    const records: ImageRecord[] = [];
    const created = str(config.created);
    for (const name of input.names) {
      records.push(
        await addImage(stateRoot, {
          name,
          source: {
            kind: 'oci',
            layers: diffIds,
            digest: input.manifestDigest,
            manifestDigest,
            configDigest: configDesc.digest,
            size,
            ...(created === undefined ? {} : { created }),
          },
          config: imageConfigFromOci(config),
        }),
      );
    }
    return records;
  } catch (err) {
    for (const d of unpackedHere) await rm(d, { recursive: true, force: true });
    throw err;
  }
}
