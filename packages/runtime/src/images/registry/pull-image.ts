import { imageError, RuntimeErrorCode } from '../../errors.js';
import type { ImageRecord } from '../image-store.js';
import { hasBlob, putBlob, putBlobBytes } from '../oci/blob-store.js';
import { importImage } from '../oci/import-image.js';
import type { Descriptor } from '../oci/layout-writer.js';
import { isIndexMediaType, isManifestMediaType } from '../oci/media-types.js';
import { selectPlatform } from '../oci/platform.js';
import { manifestReference, parseReference } from './reference.js';
import { RegistryClient, type FetchedManifest, type RetryPolicy } from './registry-client.js';
import type { RegistrySettings } from './registry-settings.js';

/** What a pull reports as it goes (the CLI turns these into bars or lines). */
export type PullEvent =
  | { kind: 'resolved'; ref: string; digest: string; platformDigest: string; layers: number }
  | {
      kind: 'blob';
      phase: 'start' | 'progress' | 'done' | 'exists';
      digest: string;
      size: number;
      bytes: number;
      /** 'config' or 'layer'. */
      role: 'config' | 'layer';
    }
  | { kind: 'retry'; what: string; attempt: number; delayMs: number; message: string }
  | { kind: 'unpacking'; layers: number };

export interface PullOptions {
  settings: RegistrySettings;
  signal?: AbortSignal | undefined;
  onEvent?: ((e: PullEvent) => void) | undefined;
  /** Blobs downloaded at once (default 3, as containerd and podman). */
  concurrency?: number | undefined;
  retry?: RetryPolicy | undefined;
  /** Environment for the auth-file lookup (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface PullResult {
  /** The normalised reference pulled. */
  name: string;
  /** Digest of what the reference named (an index or a manifest). */
  digest: string;
  /** Digest of the linux/amd64 image manifest. */
  manifestDigest: string;
  records: ImageRecord[];
}

/** Runs `fn` over `items`, at most `limit` at a time; the first failure aborts the rest. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
}

function descriptors(manifest: FetchedManifest): { config: Descriptor; layers: Descriptor[] } {
  const j = manifest.json as { config?: Descriptor; layers?: Descriptor[] };
  const ok = (d: Descriptor | undefined): d is Descriptor =>
    d !== undefined && typeof d.digest === 'string' && typeof d.size === 'number' && d.size >= 0;
  if (!ok(j.config) || !Array.isArray(j.layers) || !j.layers.every(ok)) {
    throw imageError(
      RuntimeErrorCode.IMAGE_FORMAT_INVALID,
      `manifest ${manifest.digest} lacks a valid config or layers list`,
    );
  }
  return { config: j.config, layers: j.layers };
}

/**
 * Pulls `ref` (tag or digest) from its registry into the image store, as `podman pull` does:
 * an index / manifest list is resolved to linux/amd64; the config and layers already stored
 * are skipped, the others are downloaded `concurrency` at a time, each verified against its
 * digest while streamed into the blob store; the manifest (and index) enter the store last,
 * and the image is imported (layers unpacked) under the reference's name. A failure leaves no
 * image record and no unverified blob.
 *
 * @example
 *   await pullImage(root, '127.0.0.1:5000/busybox:1', { settings: await loadRegistrySettings(root) });
 */
export async function pullImage(
  stateRoot: string,
  refText: string,
  options: PullOptions,
): Promise<PullResult> {
  const ref = parseReference(refText);
  const emit = options.onEvent ?? (() => undefined);
  await using client = await RegistryClient.open(ref, {
    settings: options.settings,
    signal: options.signal,
    retry: options.retry,
    env: options.env,
    onRetry: (what, attempt, delayMs, err) => {
      emit({ kind: 'retry', what, attempt, delayMs, message: err.message });
    },
  });
  const top = await client.getManifest(manifestReference(ref));
  let image = top;
  if (isIndexMediaType(top.mediaType)) {
    const chosen = selectPlatform(top.json);
    image = await client.getManifest(chosen.digest);
  }
  if (!isManifestMediaType(image.mediaType)) {
    throw imageError(
      RuntimeErrorCode.IMAGE_FORMAT_INVALID,
      `${ref.normalised}: unsupported manifest type "${image.mediaType}"`,
      {
        hint: 'podkit pulls OCI and Docker v2 schema 2 images (schema 1 is deprecated: push the image again with a current tool)',
      },
    );
  }
  const { config, layers } = descriptors(image);
  emit({
    kind: 'resolved',
    ref: ref.normalised,
    digest: top.digest,
    platformDigest: image.digest,
    layers: layers.length,
  });
  // One download per distinct blob (an image may repeat a layer).
  const blobs = new Map<string, { d: Descriptor; role: 'config' | 'layer' }>();
  blobs.set(config.digest, { d: config, role: 'config' });
  for (const l of layers) if (!blobs.has(l.digest)) blobs.set(l.digest, { d: l, role: 'layer' });
  await eachLimited([...blobs.values()], options.concurrency ?? 3, async ({ d, role }) => {
    const base = { kind: 'blob' as const, digest: d.digest, size: d.size, role };
    if (await hasBlob(stateRoot, d.digest)) {
      emit({ ...base, phase: 'exists', bytes: d.size });
      return;
    }
    emit({ ...base, phase: 'start', bytes: 0 });
    await client.fetchBlob(d, async (stream) => {
      await putBlob(stateRoot, { digest: d.digest, size: d.size }, stream, {
        signal: options.signal,
        onProgress: (bytes) => {
          emit({ ...base, phase: 'progress', bytes });
        },
      });
    });
    emit({ ...base, phase: 'done', bytes: d.size });
  });
  // The manifests last: a manifest in the store means its blobs are there too.
  await putBlobBytes(stateRoot, image.bytes);
  if (top !== image) await putBlobBytes(stateRoot, top.bytes);
  emit({ kind: 'unpacking', layers: layers.length });
  const records = await importImage(stateRoot, {
    names: [ref.normalised],
    manifestDigest: top.digest,
    signal: options.signal,
  });
  return { name: ref.normalised, digest: top.digest, manifestDigest: image.digest, records };
}
