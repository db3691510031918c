import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar, { type Header } from 'tar-stream';
import { startGroup } from '@podkit/kit';
import type { ImageConfig } from '../image-store.js';
import { MEDIA_TYPES } from './media-types.js';

/**
 * Writers of OCI image layouts and `docker save` archives: what `skopeo copy … oci:DIR`,
 * `buildah push … oci-archive:` and `docker save` produce. podkit uses them to build images
 * offline (its own pattern containers, test images); tests use the raw-entry and raw-tar layer
 * forms to craft hostile layers. Output is deterministic: the same input gives the same digests.
 */

/** A tar entry spelled out, as a hostile or hand-made layer needs it. */
export interface TarEntryInput {
  /** The name as stored in the tar (may be `../x` or `/abs`: nothing is checked here). */
  name: string;
  type?:
    | 'file'
    | 'directory'
    | 'symlink'
    | 'link'
    | 'character-device'
    | 'block-device'
    | 'fifo'
    | undefined;
  content?: string | Uint8Array | undefined;
  /** Permission bits incl. setuid/setgid/sticky; default 0644 (files) / 0755 (dirs). */
  mode?: number | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  /** Symlink target or hardlink source (as stored). */
  linkname?: string | undefined;
  devmajor?: number | undefined;
  devminor?: number | undefined;
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/**
 * One layer: a directory tree (walked in sorted order with fixed mtimes), an explicit list of
 * tar entries, or tar bytes used as they are (e.g. a crafted header).
 */
export type LayerInput = (
  | {
      dir: string;
      /** Keep the files' owners instead of 0:0 (default false: a rootless build's files are root's). */
      keepOwners?: boolean | undefined;
    }
  | { entries: readonly TarEntryInput[] }
  | { tar: Uint8Array }
) & {
  /** Default gzip. `zstd` runs the zstd program. */
  compression?: LayerCompression | undefined;
  /** A history line for the image config (default: "podkit layer N"). */
  createdBy?: string | undefined;
};

/**
 * The image config fields podkit writes (OCI image-spec config, `config` object): those it
 * honours when running an image, plus labels and exposed ports.
 */
export interface ImageConfigInput extends ImageConfig {
  labels?: Record<string, string> | undefined;
  /** e.g. `['8080/tcp']`. */
  exposedPorts?: string[] | undefined;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

export interface ImageInput {
  layers: readonly LayerInput[];
  config?: ImageConfigInput | undefined;
  /** Default linux/amd64. */
  platform?: Platform | undefined;
  /** RFC 3339; default 1970-01-01T00:00:00Z so builds are reproducible. */
  created?: string | undefined;
  /** Manifest annotations. */
  annotations?: Record<string, string> | undefined;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string> | undefined;
  platform?: Platform | undefined;
}

/** What writing one image's blobs produced. */
export interface BuiltImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: (Descriptor & { diffId: string })[];
  /** The manifest and config as written (parsed JSON). */
  manifestJson: Record<string, unknown>;
  configJson: Record<string, unknown>;
}

/** An image (or a multi-platform index of images) to put in a layout, under ref names. */
export type LayoutEntry =
  | (ImageInput & { refName?: string | undefined })
  | {
      refName?: string | undefined;
      /** A multi-arch index; each image's `platform` says which one it is. */
      index: readonly ImageInput[];
    };

export interface LayoutResult {
  /** Top-level descriptors, in index.json order (manifests or nested indexes). */
  descriptors: Descriptor[];
  /** Every image written, in input order (for an index entry: its images in order). */
  images: BuiltImage[];
}

const FIXED_MTIME = new Date(0);
const DEFAULT_CREATED = '1970-01-01T00:00:00Z';

const sha256 = (data: string | Uint8Array): string =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

const canonicalJson = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

/** A Transform that hashes and counts what passes through. */
class Digester extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    this.push(chunk);
    cb();
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** `zstd -c` as a Transform-like duplex (stdin → stdout), in its own process group (kit). */
function zstdCompressor(): { input: Writable; output: Readable; done: Promise<void> } {
  const { child, spawned } = startGroup('zstd', ['-q', '-c', '-3'], {
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { stdin, stdout } = child;
  if (stdin === null || stdout === null) throw new Error('unreachable: zstd pipes missing');
  const closed = new Promise<void>((resolve, reject) => {
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`zstd exited with ${String(code)}`));
    });
  });
  closed.catch(() => undefined); // when zstd cannot start, `spawned` reports it
  const done = spawned.then(() => closed);
  return { input: stdin, output: stdout, done };
}

/** Writes a blob from a stream into `<blobsDir>/sha256/<hex>`; returns its digest and size. */
async function writeBlobStream(
  blobsDir: string,
  source: Readable,
): Promise<{ digest: string; size: number }> {
  const dir = path.join(blobsDir, 'sha256');
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
  const d = new Digester();
  try {
    await pipeline(source, d, createWriteStream(tmp));
    const digest = d.digest();
    await rename(tmp, path.join(dir, digest.slice('sha256:'.length)));
    return { digest, size: d.size };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function writeBlobBytes(blobsDir: string, data: Uint8Array): Promise<Descriptor> {
  const digest = sha256(data);
  const dir = path.join(blobsDir, 'sha256');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, digest.slice('sha256:'.length)), data);
  return { mediaType: '', digest, size: data.length };
}

/** Packs a directory tree deterministically into `pack`. */
async function packDirectory(pack: tar.Pack, root: string, keepOwners: boolean): Promise<void> {
  // (dev, ino) of files with several links → the first name packed: later names become
  // hardlink entries, as GNU tar writes them.
  const seen = new Map<string, string>();
  const add = (header: Partial<Header> & { name: string }, content?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry(header, content ?? Buffer.alloc(0), (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(root, rel))).sort();
    for (const n of names) {
      const r = rel === '' ? n : `${rel}/${n}`;
      const abs = path.join(root, r);
      const st = await lstat(abs);
      const base = {
        mode: st.mode & 0o7777,
        uid: keepOwners ? st.uid : 0,
        gid: keepOwners ? st.gid : 0,
        mtime: FIXED_MTIME,
      };
      if (st.isDirectory()) {
        await add({ ...base, name: `${r}/`, type: 'directory' });
        await walk(r);
      } else if (st.isSymbolicLink()) {
        await add({ ...base, name: r, type: 'symlink', linkname: await readlink(abs) });
      } else if (st.isFile()) {
        const key = `${String(st.dev)}:${String(st.ino)}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first !== undefined) {
          await add({ ...base, name: r, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) seen.set(key, r);
        // Streams the file: large binaries never sit in memory whole.
        let w: ReturnType<tar.Pack['entry']> | undefined;
        const done = new Promise<void>((resolve, reject) => {
          w = pack.entry({ ...base, name: r, type: 'file', size: st.size }, (err) => {
            if (err) reject(err);
            else resolve();
          });
        });
        const sink = w;
        if (sink === undefined) throw new Error('tar-stream: no entry stream');
        for await (const chunk of createReadStream(abs)) {
          if (!sink.write(chunk as Buffer)) {
            await new Promise<void>((resolve) => {
              sink.once('drain', () => {
                resolve();
              });
            });
          }
        }
        sink.end(null);
        await done;
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await add({
          ...base,
          name: r,
          type: st.isCharacterDevice() ? 'character-device' : 'block-device',
          devmajor: Math.floor(st.rdev / 256),
          devminor: st.rdev % 256,
        });
      } else if (st.isFIFO()) {
        await add({ ...base, name: r, type: 'fifo' });
      }
      // Sockets are not representable in a tar; they are skipped as tar skips them.
    }
  };
  await walk('');
}

async function packEntries(pack: tar.Pack, entries: readonly TarEntryInput[]): Promise<void> {
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content =
      e.content === undefined
        ? Buffer.alloc(0)
        : typeof e.content === 'string'
          ? Buffer.from(e.content)
          : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: e.name,
          type,
          mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          mtime: FIXED_MTIME,
          ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
          ...(e.devmajor === undefined ? {} : { devmajor: e.devmajor }),
          ...(e.devminor === undefined ? {} : { devminor: e.devminor }),
        },
        type === 'file' ? content : Buffer.alloc(0),
        (err) => {
          if (err) reject(err);
          else resolve();
        },
      );
    });
  }
}

/** The uncompressed tar stream of a layer. */
function layerTarStream(layer: LayerInput): Readable {
  if ('tar' in layer) return Readable.from([Buffer.from(layer.tar)]);
  const pack = tar.pack();
  const fill =
    'dir' in layer
      ? packDirectory(pack, layer.dir, layer.keepOwners ?? false)
      : packEntries(pack, layer.entries);
  fill.then(
    () => {
      pack.finalize();
    },
    (err: unknown) => {
      pack.destroy(err as Error);
    },
  );
  return Readable.from(pack);
}

/** Writes one layer blob; returns its descriptor and diff_id (digest of the uncompressed tar). */
export async function writeLayerBlob(
  blobsDir: string,
  layer: LayerInput,
): Promise<Descriptor & { diffId: string }> {
  const compression = layer.compression ?? 'gzip';
  const tarStream = layerTarStream(layer);
  const diff = new Digester();
  const mediaType =
    compression === 'gzip'
      ? MEDIA_TYPES.ociLayerGzip
      : compression === 'zstd'
        ? MEDIA_TYPES.ociLayerZstd
        : MEDIA_TYPES.ociLayer;
  let compressed: Readable;
  let finished: Promise<void>;
  if (compression === 'none') {
    compressed = tarStream.pipe(diff);
    finished = Promise.resolve();
  } else if (compression === 'gzip') {
    // Fixed header (no mtime/name): gzip output is reproducible for the same input.
    const gz = createGzip({ level: 6 });
    compressed = gz;
    finished = pipeline(tarStream, diff, gz).then(() => undefined);
  } else {
    const z = zstdCompressor();
    const out = new PassThrough();
    z.output.pipe(out);
    compressed = out;
    finished = Promise.all([pipeline(tarStream, diff, z.input), z.done]).then(() => undefined);
  }
  const [{ digest, size }] = await Promise.all([writeBlobStream(blobsDir, compressed), finished]);
  return { mediaType, digest, size, diffId: diff.digest() };
}

/** Writes an image's layers, config and manifest into `<blobsDir>/sha256/`. */
export async function writeImageBlobs(blobsDir: string, image: ImageInput): Promise<BuiltImage> {
  const layers: (Descriptor & { diffId: string })[] = [];
  for (const l of image.layers) layers.push(await writeLayerBlob(blobsDir, l));
  const platform = image.platform ?? { os: 'linux', architecture: 'amd64' };
  const c = image.config ?? {};
  const created = image.created ?? DEFAULT_CREATED;
  const cfg: Record<string, unknown> = {};
  if (c.user !== undefined) cfg.User = c.user;
  if (c.exposedPorts !== undefined)
    cfg.ExposedPorts = Object.fromEntries(c.exposedPorts.map((p) => [p, {}]));
  if (c.env !== undefined) cfg.Env = c.env;
  if (c.entrypoint !== undefined) cfg.Entrypoint = c.entrypoint;
  if (c.cmd !== undefined) cfg.Cmd = c.cmd;
  if (c.workingDir !== undefined) cfg.WorkingDir = c.workingDir;
  if (c.labels !== undefined) cfg.Labels = c.labels;
  if (c.stopSignal !== undefined) cfg.StopSignal = c.stopSignal;
  const configJson: Record<string, unknown> = {
    created,
    architecture: platform.architecture,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    os: platform.os,
    config: cfg,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: image.layers.map((l, i) => ({
      created,
      created_by: l.createdBy ?? `podkit layer ${String(i + 1)}`,
    })),
  };
  const config = {
    ...(await writeBlobBytes(blobsDir, canonicalJson(configJson))),
    mediaType: MEDIA_TYPES.ociConfig,
  };
  const manifestJson: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    ...(image.annotations === undefined ? {} : { annotations: image.annotations }),
  };
  const manifest: Descriptor = {
    ...(await writeBlobBytes(blobsDir, canonicalJson(manifestJson))),
    mediaType: MEDIA_TYPES.ociManifest,
  };
  return { manifest, config, layers, manifestJson, configJson };
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Writes an OCI image layout at `dir` (created if needed; existing blobs are kept, index.json
 * is replaced): `oci-layout`, `index.json` with a `org.opencontainers.image.ref.name`
 * annotation per named entry, `blobs/sha256/…`.
 *
 * @example
 *   await writeOciLayout('/tmp/busybox-oci', [
 *     { refName: 'busybox:1', layers: [{ dir: rootfs }], config: { cmd: ['sh'] } },
 *   ]);
 */
export async function writeOciLayout(
  dir: string,
  entries: readonly LayoutEntry[],
): Promise<LayoutResult> {
  const blobsDir = path.join(dir, 'blobs');
  await mkdir(blobsDir, { recursive: true });
  const descriptors: Descriptor[] = [];
  const images: BuiltImage[] = [];
  for (const e of entries) {
    const annotations = e.refName === undefined ? undefined : { [REF_NAME]: e.refName };
    if ('index' in e) {
      const index = await writeImageIndexBlob(blobsDir, e.index);
      images.push(...index.images);
      descriptors.push({ ...index.descriptor, ...(annotations ? { annotations } : {}) });
    } else {
      const built = await writeImageBlobs(blobsDir, e);
      images.push(built);
      descriptors.push({ ...built.manifest, ...(annotations ? { annotations } : {}) });
    }
  }
  await writeFile(path.join(dir, 'oci-layout'), canonicalJson({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    path.join(dir, 'index.json'),
    canonicalJson({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: descriptors }),
  );
  return { descriptors, images };
}

/** Writes the images of a multi-platform index and the index blob itself. */
export async function writeImageIndexBlob(
  blobsDir: string,
  platforms: readonly ImageInput[],
): Promise<{ descriptor: Descriptor; images: BuiltImage[] }> {
  const images: BuiltImage[] = [];
  const manifests: Descriptor[] = [];
  for (const p of platforms) {
    const built = await writeImageBlobs(blobsDir, p);
    images.push(built);
    manifests.push({
      ...built.manifest,
      platform: p.platform ?? { os: 'linux', architecture: 'amd64' },
    });
  }
  const indexJson = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests };
  const descriptor = {
    ...(await writeBlobBytes(blobsDir, canonicalJson(indexJson))),
    mediaType: MEDIA_TYPES.ociIndex,
  };
  return { descriptor, images };
}

/**
 * Tars a directory (an OCI layout, a docker-archive tree) into `outFile` deterministically,
 * as `tar -C dir -cf outFile .` would, optionally gzip-compressed.
 *
 * @example
 *   await tarDirectory('/tmp/busybox-oci', '/tmp/busybox-oci.tar');
 */
export async function tarDirectory(
  dir: string,
  outFile: string,
  options: { gzip?: boolean | undefined } = {},
): Promise<void> {
  const pack = tar.pack();
  packDirectory(pack, dir, false).then(
    () => {
      pack.finalize();
    },
    (err: unknown) => {
      pack.destroy(err as Error);
    },
  );
  if (options.gzip === true)
    await pipeline(Readable.from(pack), createGzip(), createWriteStream(outFile));
  else await pipeline(Readable.from(pack), createWriteStream(outFile));
}

export interface DockerArchiveImage extends ImageInput {
  /** e.g. `['busybox:latest']` (docker writes familiar names). */
  repoTags: string[];
}

/**
 * Writes a `docker save` archive (a tar) at `outFile`.
 * - `classic` (Docker < 25): `manifest.json` (Config `<hex>.json`, Layers `<hex>/layer.tar`),
 *   `repositories`, an uncompressed `layer.tar` per layer.
 * - `oci` (Docker ≥ 25): an OCI layout (oci-layout, index.json, blobs/sha256) with
 *   `manifest.json` beside it pointing into `blobs/sha256/`.
 * Layers are uncompressed unless a layer asks otherwise, as docker writes them.
 *
 * @example
 *   await writeDockerArchive('/tmp/bb.tar', [{ repoTags: ['busybox:latest'], layers: [{ dir }] }], 'classic');
 */
export async function writeDockerArchive(
  outFile: string,
  images: readonly DockerArchiveImage[],
  format: 'classic' | 'oci',
): Promise<BuiltImage[]> {
  const work = `${outFile}.d-${randomBytes(4).toString('hex')}`;
  try {
    const blobsDir = path.join(work, 'blobs');
    const built: BuiltImage[] = [];
    const manifest: Record<string, unknown>[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const uncompressed = (img: DockerArchiveImage): ImageInput => ({
      ...img,
      layers: img.layers.map((l) => ({ ...l, compression: l.compression ?? 'none' })),
    });
    for (const img of images) {
      const b = await writeImageBlobs(blobsDir, uncompressed(img));
      built.push(b);
      const hex = (d: string): string => d.slice('sha256:'.length);
      if (format === 'oci') {
        manifest.push({
          Config: `blobs/sha256/${hex(b.config.digest)}`,
          RepoTags: img.repoTags,
          Layers: b.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
        });
      } else {
        await writeFile(
          path.join(work, `${hex(b.config.digest)}.json`),
          await readFile(path.join(blobsDir, 'sha256', hex(b.config.digest))),
        );
        const layerPaths: string[] = [];
        for (const l of b.layers) {
          // Classic docker save names a layer directory by the layer's v1 id; the diff_id's
          // hex is a stable stand-in.
          const id = hex(l.diffId);
          await mkdir(path.join(work, id), { recursive: true });
          await rename(
            path.join(blobsDir, 'sha256', hex(l.digest)),
            path.join(work, id, 'layer.tar'),
          ).catch((err: unknown) => {
            // The same layer twice in one archive: the first move already happened.
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          });
          await writeFile(path.join(work, id, 'VERSION'), '1.0');
          layerPaths.push(`${id}/layer.tar`);
        }
        manifest.push({
          Config: `${hex(b.config.digest)}.json`,
          RepoTags: img.repoTags,
          Layers: layerPaths,
        });
        const lastLayer = layerPaths.at(-1)?.split('/')[0];
        for (const t of img.repoTags) {
          const i = t.lastIndexOf(':');
          const repo = i > 0 && !t.slice(i).includes('/') ? t.slice(0, i) : t;
          const tag = i > 0 && !t.slice(i).includes('/') ? t.slice(i + 1) : 'latest';
          if (lastLayer !== undefined) (repositories[repo] ??= {})[tag] = lastLayer;
        }
      }
    }
    if (format === 'oci') {
      await writeFile(
        path.join(work, 'oci-layout'),
        canonicalJson({ imageLayoutVersion: '1.0.0' }),
      );
      await writeFile(
        path.join(work, 'index.json'),
        canonicalJson({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociIndex,
          manifests: built.map((b, i) => ({
            ...b.manifest,
            annotations: {
              'io.containerd.image.name': images[i]?.repoTags[0] ?? '',
              [REF_NAME]: (images[i]?.repoTags[0] ?? '').split(':').at(-1) ?? '',
            },
          })),
        }),
      );
    } else {
      await rm(blobsDir, { recursive: true, force: true });
      await writeFile(path.join(work, 'repositories'), canonicalJson(repositories));
    }
    await writeFile(path.join(work, 'manifest.json'), canonicalJson(manifest));
    await tarDirectory(work, outFile);
    return built;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
