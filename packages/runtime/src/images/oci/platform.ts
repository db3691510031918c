import { imageError, RuntimeErrorCode } from '../../errors.js';
import type { Descriptor, Platform } from './layout-writer.js';
import { isIndexMediaType, isManifestMediaType } from './media-types.js';

/** The platform podkit runs: containers execute on this machine's kernel. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

interface IndexLike {
  mediaType?: string;
  manifests?: unknown;
}

/**
 * Picks the manifest of `want` (default linux/amd64) from an image index / manifest list, as
 * containerd's default platform matcher does: os and architecture must match; when `want` has
 * a variant it must match too, otherwise any variant will do. Throws IMAGE_PLATFORM_NOT_FOUND
 * naming the platforms on offer.
 *
 * @example
 *   const d = selectPlatform(await readBlobJson(root, indexDigest));
 */
export function selectPlatform(indexJson: unknown, want: Platform = DEFAULT_PLATFORM): Descriptor {
  const manifests = (indexJson as IndexLike | null)?.manifests;
  if (!Array.isArray(manifests)) {
    throw imageError(RuntimeErrorCode.IMAGE_FORMAT_INVALID, 'image index has no "manifests" list');
  }
  const offered: string[] = [];
  for (const m of manifests as Descriptor[]) {
    // Attestation manifests (buildkit's "unknown/unknown") and nested indexes are not images.
    if (!isManifestMediaType(m.mediaType)) continue;
    const p = m.platform;
    if (p === undefined) continue;
    offered.push(`${p.os}/${p.architecture}${p.variant === undefined ? '' : `/${p.variant}`}`);
    if (p.os !== want.os || p.architecture !== want.architecture) continue;
    if (want.variant !== undefined && p.variant !== want.variant) continue;
    return m;
  }
  const wanted = `${want.os}/${want.architecture}${want.variant === undefined ? '' : `/${want.variant}`}`;
  throw imageError(
    RuntimeErrorCode.IMAGE_PLATFORM_NOT_FOUND,
    `the image index has no manifest for ${wanted}`,
    {
      hint: `it offers ${offered.length === 0 ? 'no platforms' : offered.join(', ')}; podkit runs ${wanted} images`,
    },
  );
}

export { isIndexMediaType };
