import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { isPodkitError } from '@podkit/kit';
import { imageError, RuntimeErrorCode } from '../../errors.js';
import { normaliseImageName } from '../image-name.js';
import { removeImage, type ImageRecord } from '../image-store.js';
import {
  assertDigest,
  blobPath,
  hasBlob,
  putBlob,
  putBlobBytes,
  putBlobComputed,
  readBlobJson,
} from './blob-store.js';
import { importImage } from './import-image.js';
import { beginImageWrite } from './store-activity.js';
import { MEDIA_TYPES } from './media-types.js';
import { decompressed, type UnpackLimits } from './unpack-layer.js';

/**
 * `podkit image load`: an OCI image layout (directory or tar, e.g. `skopeo copy … oci:DIR`,
 * `oci-archive:`) or a `docker save` archive (classic manifest.json + layer.tar form, or the
 * Docker ≥ 25 form with an OCI layout inside). Whole-archive gzip/zstd is undone. Every blob
 * named by digest is verified as it is copied into the store; classic layer tars are stored
 * under the digest computed (and checked against the config's diff_ids when unpacked).
 * Archive member names are only ever used as keys, never as paths to write.
 */

export interface LoadImageOptions {
  /**
   * Names for the loaded image (an archive of exactly one image): used instead of those in
   * the archive, and required when it has none.
   */
  names?: readonly string[] | undefined;
  limits?: UnpackLimits | undefined;
  signal?: AbortSignal | undefined;
}

export interface LoadedImage {
  names: string[];
  /** The manifest (or index) digest the records carry. */
  digest: string;
  records: ImageRecord[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
const BLOB_RE = /^blobs\/sha256\/([0-9a-f]{64})$/;
const MAX_JSON = 16 * 1024 * 1024;

interface Member {
  path: string;
  type: 'file' | 'symlink' | 'other';
  linkname?: string | undefined;
  size: number;
  body: AsyncIterable<Uint8Array>;
}

const clean = (p: string): string =>
  p
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .join('/');

/** The members of a directory: regular files and symlinks (never followed). */
async function* dirMembers(root: string, rel = ''): AsyncGenerator<Member> {
  for (const name of (await readdir(path.join(root, rel))).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(root, r);
    const st = await lstat(abs);
    if (st.isDirectory()) yield* dirMembers(root, r);
    else if (st.isSymbolicLink())
      yield {
        path: r,
        type: 'symlink',
        linkname: await readlink(abs),
        size: 0,
        body: Readable.from([]),
      };
    else if (st.isFile())
      yield { path: r, type: 'file', size: st.size, body: createReadStream(abs) };
  }
}

/** The members of a (possibly gzip/zstd-compressed) tar. */
async function* tarMembers(file: string, signal?: AbortSignal): AsyncGenerator<Member> {
  const extract = tar.extract();
  const source = await decompressed(createReadStream(file));
  source.on('error', (err) => {
    extract.destroy(err);
  });
  source.pipe(extract);
  const stop = (): void => {
    extract.destroy(signal?.reason as Error);
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const type = h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type;
      yield {
        path: clean(h.name),
        type: type === 'file' ? 'file' : type === 'symlink' ? 'symlink' : 'other',
        linkname: h.linkname,
        size: h.size,
        body: entry as AsyncIterable<Uint8Array>,
      };
      entry.resume();
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    source.destroy();
  }
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of body) {
    // discard
  }
}

const formatError = (what: string): Error =>
  imageError(RuntimeErrorCode.IMAGE_FORMAT_INVALID, what, {
    hint: 'podkit loads OCI image layouts (dir or tar) and `docker save` archives',
  });

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw imageError(RuntimeErrorCode.IMAGE_FORMAT_INVALID, `${what} is not valid JSON`, {
      cause: err,
    });
  }
}

/** `1.0`, `v2`, `latest`: a bare OCI ref.name that is a tag rather than a repository. */
const looksLikeTag = (s: string): boolean => /^(v?\d[\w.-]*|latest)$/.test(s);

/**
 * Loads every image of an OCI layout / docker-archive (file or directory) into the store.
 * On failure nothing new stays: blobs this call added and records it wrote are removed.
 *
 * @example
 *   const loaded = await loadImageArchive('/var/lib/podkit', 'busybox.tar');
 */
export async function loadImageArchive(
  stateRoot: string,
  source: string,
  options: LoadImageOptions = {},
): Promise<LoadedImage[]> {
  const st = await lstat(source).catch((err: unknown) => {
    throw imageError(
      RuntimeErrorCode.IMAGE_FORMAT_INVALID,
      `cannot read ${source}: ${(err as Error).message}`,
      {
        cause: err,
        hint: 'pass an OCI layout directory, an OCI archive or a `docker save` tar',
      },
    );
  });
  await using _write = await beginImageWrite(stateRoot);
  const members = st.isDirectory() ? dirMembers(source) : tarMembers(source, options.signal);
  const json = new Map<string, Buffer>();
  // Archive path → digest of every stored blob, and symlinks between members.
  const byPath = new Map<string, string>();
  const links = new Map<string, string>();
  const added: string[] = [];
  const written: string[] = [];
  try {
    for await (const m of members) {
      options.signal?.throwIfAborted();
      if (m.type === 'symlink' && m.linkname !== undefined) {
        links.set(m.path, clean(path.posix.join(path.posix.dirname(m.path), m.linkname)));
        continue;
      }
      if (m.type !== 'file') continue;
      const blob = BLOB_RE.exec(m.path);
      if (blob?.[1] !== undefined) {
        const digest = `sha256:${blob[1]}`;
        if (await hasBlob(stateRoot, digest)) await drain(m.body);
        else {
          await putBlob(stateRoot, { digest, size: m.size }, m.body, { signal: options.signal });
          added.push(digest);
        }
        byPath.set(m.path, digest);
      } else if (
        (m.path.endsWith('.json') || m.path === 'repositories' || m.path === 'oci-layout') &&
        m.size <= MAX_JSON
      ) {
        json.set(m.path, await readAll(m.body));
      } else if (/(^|\/)layer\.tar$|\.tar(\.gz|\.zst)?$/.test(m.path)) {
        const r = await putBlobComputed(stateRoot, m.body, { signal: options.signal });
        if (r.added) added.push(r.digest);
        byPath.set(m.path, r.digest);
      } else {
        await drain(m.body);
      }
    }
    const images =
      json.get('manifest.json') !== undefined
        ? await dockerArchiveImages(stateRoot, json, byPath, links, added)
        : json.get('index.json') !== undefined
          ? ociLayoutImages(json, source)
          : undefined;
    if (images === undefined) {
      throw formatError(
        `${source} is neither an OCI image layout (no index.json) nor a docker-archive (no manifest.json)`,
      );
    }
    if (options.names !== undefined && options.names.length > 0) {
      if (images.length !== 1) {
        throw imageError(
          RuntimeErrorCode.IMAGE_FORMAT_INVALID,
          `${source} holds ${String(images.length)} images; names can be given for one only`,
        );
      }
      const only = images[0];
      if (only !== undefined) only.names = [...options.names];
    }
    const out: LoadedImage[] = [];
    for (const img of images) {
      if (img.names.length === 0) {
        throw imageError(
          RuntimeErrorCode.IMAGE_FORMAT_INVALID,
          `an image in ${source} has no name`,
          {
            hint: 'pass --name NAME (e.g. --name myapp:1.0)',
          },
        );
      }
      for (const n of img.names) normaliseImageName(n);
      const records = await importImage(stateRoot, {
        names: img.names,
        manifestDigest: img.digest,
        limits: options.limits,
        signal: options.signal,
      });
      written.push(...records.map((r) => r.name));
      out.push({ names: records.map((r) => r.name), digest: img.digest, records });
    }
    return out;
  } catch (err) {
    for (const n of written) await removeImage(stateRoot, n).catch(() => undefined);
    for (const d of added) await rm(blobPath(stateRoot, d), { force: true });
    if (options.signal?.aborted === true || isPodkitError(err)) throw err;
    // A truncated or non-tar file: tar-stream's and zlib's errors say what, not where.
    throw imageError(
      RuntimeErrorCode.IMAGE_FORMAT_INVALID,
      `${source} is not a readable image archive: ${(err as Error).message}`,
      {
        cause: err,
        hint: 'podkit loads OCI image layouts (dir or tar) and `docker save` archives',
      },
    );
  }
}

interface Pending {
  names: string[];
  digest: string;
}

function ociLayoutImages(json: Map<string, Buffer>, source: string): Pending[] {
  const index = parseJson(json.get('index.json') ?? Buffer.alloc(0), 'index.json') as {
    manifests?: unknown;
  };
  if (!Array.isArray(index.manifests)) throw formatError('index.json has no "manifests" list');
  const fallbackRepo = `localhost/${
    path
      .basename(source)
      .replace(/\.(tar|tgz|tar\.gz|tar\.zst)$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'image'
  }`;
  return (index.manifests as { digest?: unknown; annotations?: Record<string, unknown> }[]).map(
    (d) => {
      if (typeof d.digest !== 'string') throw formatError('an index.json entry has no digest');
      assertDigest(d.digest);
      const full = d.annotations?.[CONTAINERD_NAME];
      const ref = d.annotations?.[REF_NAME];
      let names: string[] = [];
      if (typeof full === 'string' && full !== '') names = [full];
      else if (typeof ref === 'string' && ref !== '') {
        names = [/[/:@]/.test(ref) || !looksLikeTag(ref) ? ref : `${fallbackRepo}:${ref}`];
      }
      return { names, digest: d.digest };
    },
  );
}

async function dockerArchiveImages(
  stateRoot: string,
  json: Map<string, Buffer>,
  byPath: Map<string, string>,
  links: Map<string, string>,
  added: string[],
): Promise<Pending[]> {
  const manifest = parseJson(json.get('manifest.json') ?? Buffer.alloc(0), 'manifest.json');
  if (!Array.isArray(manifest)) throw formatError('manifest.json is not a list');
  // Docker ≥ 25 also writes the real manifests (index.json): use them when they match.
  const realManifests = new Map<string, string>();
  const indexBytes = json.get('index.json');
  if (indexBytes !== undefined) {
    const index = parseJson(indexBytes, 'index.json') as { manifests?: { digest?: unknown }[] };
    for (const d of index.manifests ?? []) {
      if (typeof d.digest !== 'string' || !(await hasBlob(stateRoot, d.digest))) continue;
      const m = await readBlobJson<{ config?: { digest?: unknown } }>(stateRoot, d.digest);
      if (typeof m.config?.digest === 'string') realManifests.set(m.config.digest, d.digest);
    }
  }
  const resolve = (p: string): string | undefined => {
    let cur = clean(p);
    for (let i = 0; i < 8 && !byPath.has(cur); i++) {
      const next = links.get(cur);
      if (next === undefined) break;
      cur = next;
    }
    return byPath.get(cur);
  };
  const out: Pending[] = [];
  for (const item of manifest as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
    if (typeof item.Config !== 'string' || !Array.isArray(item.Layers)) {
      throw formatError('a manifest.json entry needs Config and Layers');
    }
    const names = Array.isArray(item.RepoTags)
      ? (item.RepoTags as unknown[]).filter((t): t is string => typeof t === 'string')
      : [];
    let configDigest = resolve(item.Config);
    if (configDigest === undefined) {
      const bytes = json.get(clean(item.Config));
      if (bytes === undefined) {
        throw imageError(
          RuntimeErrorCode.IMAGE_BLOB_MISSING,
          `the archive has no config ${item.Config}`,
        );
      }
      const hex = /^([0-9a-f]{64})\.json$/.exec(path.posix.basename(item.Config))?.[1];
      configDigest = await putBlobBytes(stateRoot, bytes);
      if (hex !== undefined && `sha256:${hex}` !== configDigest) {
        throw imageError(
          RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
          `config ${item.Config} does not match its digest (sha256 ${configDigest})`,
          { hint: 'the archive is corrupt or was tampered with; nothing was stored' },
        );
      }
      added.push(configDigest);
    }
    const real = realManifests.get(configDigest);
    if (real !== undefined) {
      out.push({ names, digest: real });
      continue;
    }
    const layers = [];
    for (const l of item.Layers as unknown[]) {
      const digest = typeof l === 'string' ? resolve(l) : undefined;
      if (digest === undefined) {
        throw imageError(
          RuntimeErrorCode.IMAGE_BLOB_MISSING,
          `the archive has no layer ${String(l)}`,
        );
      }
      layers.push({
        mediaType: await layerMediaType(stateRoot, digest),
        digest,
        size: (await lstat(blobPath(stateRoot, digest))).size,
      });
    }
    const configSize = (await lstat(blobPath(stateRoot, configDigest))).size;
    const synthesised = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociConfig, digest: configDigest, size: configSize },
        layers,
      }),
    );
    const had = await hasBlob(stateRoot, `sha256:${sha256Hex(synthesised)}`);
    const digest = await putBlobBytes(stateRoot, synthesised);
    if (!had) added.push(digest);
    out.push({ names, digest });
  }
  return out;
}

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The media type of a stored layer blob, from its first bytes. */
async function layerMediaType(stateRoot: string, digest: string): Promise<string> {
  const fh = await open(blobPath(stateRoot, digest), 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return MEDIA_TYPES.ociLayerGzip;
    if (head.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return MEDIA_TYPES.ociLayerZstd;
    return MEDIA_TYPES.ociLayer;
  } finally {
    await fh.close();
  }
}
