import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { PodkitError } from '@podkit/kit';
import { familiarImageName, normaliseImageName } from './image-name.js';
import { imageError } from '../errors.js';
import { writeJsonAtomic } from '../state/atomic-write.js';
import { RuntimeErrorCode } from '../errors.js';

/** The OCI image-config subset podkit honours. */
export interface ImageConfig {
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
  /** `K=V` strings. */
  env?: string[] | undefined;
  workingDir?: string | undefined;
  user?: string | undefined;
  stopSignal?: string | undefined;
}

/**
 * `host`: the host's `/` as a read-only lower layer. `rootfs`: a plain directory as the lower
 * layer. `oci`: an image loaded or pulled into the content store; its layers (by diff_id,
 * lowest first) are unpacked once under `images/layers/` and shared by every container.
 */
export type ImageSource =
  | {
      kind: 'host';
      /**
       * Host directories the image's program needs that lie under a path hidden from host
       * images (/tmp, /root, /home…): they are bound read-only at the same path.
       */
      keep?: string[] | undefined;
    }
  | { kind: 'rootfs'; rootfs: string }
  | {
      kind: 'oci';
      /** diff_ids (`sha256:…`) of the unpacked layers, lowest first. */
      layers: string[];
      /** The digest the image was loaded/pulled by: its manifest, or the index it came from. */
      digest?: string | undefined;
      /** The linux/amd64 image manifest (the same as `digest` unless that is an index). */
      manifestDigest?: string | undefined;
      /** The config blob's digest: the image ID, as `docker images` shows it. */
      configDigest?: string | undefined;
      /** Bytes of the manifest, config and (compressed) layer blobs. */
      size?: number | undefined;
      /** The image config's `created`. */
      created?: string | undefined;
    };

export type ImageRecord = ImageSource & {
  schemaVersion: 1;
  /** Normalised name, e.g. `docker.io/library/nginx:latest`. */
  name: string;
  config: ImageConfig;
  createdAt: string;
};

export interface AddImageInput {
  name: string;
  source: ImageSource;
  config?: ImageConfig | undefined;
}

const imagesDir = (stateRoot: string): string => join(stateRoot, 'images');
// The normalised name is encoded so that '/' and ':' make one flat, reversible file name.
const recordPath = (stateRoot: string, normalised: string): string =>
  join(imagesDir(stateRoot), `${encodeURIComponent(normalised)}.json`);

/**
 * Adds (or replaces: re-running a set-up script is harmless) a local image.
 *
 * @example
 *   await addImage('/var/lib/podkit', { name: 'nginx', source: { kind: 'host' }, config: { entrypoint: ['nginx', '-g', 'daemon off;'] } });
 */
export async function addImage(stateRoot: string, input: AddImageInput): Promise<ImageRecord> {
  const name = normaliseImageName(input.name);
  let source = input.source;
  if (source.kind === 'rootfs') {
    const dir = resolve(source.rootfs);
    const st = await stat(dir).catch(() => undefined);
    if (st?.isDirectory() !== true) {
      throw new PodkitError(
        RuntimeErrorCode.IMAGE_ROOTFS_INVALID,
        `rootfs directory ${dir} does not exist or is not a directory`,
        {
          hint: "pass --rootfs DIR with a directory holding the image's root filesystem (e.g. with bin/sh)",
        },
      );
    }
    source = { kind: 'rootfs', rootfs: dir };
  } else if (source.kind === 'host' && source.keep !== undefined) {
    const keep: string[] = [];
    for (const k of source.keep) {
      const dir = resolve(k);
      if ((await stat(dir).catch(() => undefined)) === undefined) {
        throw new PodkitError(
          RuntimeErrorCode.IMAGE_CONFIG_INVALID,
          `keep path ${dir} does not exist`,
          {
            hint: "pass --keep with a host directory the image needs (e.g. the program's checkout)",
          },
        );
      }
      keep.push(dir);
    }
    source = { kind: 'host', keep };
  }
  const config = input.config ?? {};
  if (config.workingDir !== undefined && !isAbsolute(config.workingDir)) {
    throw new PodkitError(
      RuntimeErrorCode.IMAGE_CONFIG_INVALID,
      `workingDir "${config.workingDir}" must be an absolute path`,
    );
  }
  for (const e of config.env ?? []) {
    if (e.indexOf('=') <= 0)
      throw new PodkitError(
        RuntimeErrorCode.IMAGE_CONFIG_INVALID,
        `env entry "${e}" must be KEY=VALUE`,
      );
  }
  const record: ImageRecord = {
    schemaVersion: 1,
    name,
    ...source,
    config,
    createdAt: new Date().toISOString(),
  };
  await mkdir(imagesDir(stateRoot), { recursive: true });
  await writeJsonAtomic(recordPath(stateRoot, name), record, 0o644);
  return record;
}

/**
 * The image by (any spelling of) its name, or undefined. A digest reference
 * (`repo@sha256:…`, `repo:tag@sha256:…`) also finds an oci image of that repository whose
 * manifest (or index) has that digest, as podman resolves it.
 */
export async function getImage(stateRoot: string, name: string): Promise<ImageRecord | undefined> {
  const normalised = normaliseImageName(name);
  try {
    return JSON.parse(await readFile(recordPath(stateRoot, normalised), 'utf8')) as ImageRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const at = normalised.indexOf('@');
  if (at < 0) return undefined;
  const digest = normalised.slice(at + 1);
  const repoAndTag = normalised.slice(0, at);
  const repo = repoAndTag.replace(/:[^:/]+$/, '');
  const matches = (await listImages(stateRoot)).filter(
    (r) =>
      r.kind === 'oci' &&
      (r.digest === digest || r.manifestDigest === digest) &&
      (r.name === repoAndTag ||
        (repoAndTag === repo && r.name.replace(/@.*$/, '').replace(/:[^:/]+$/, '') === repo)),
  );
  return matches[0];
}

/**
 * Refuses an image whose files live outside the store and are gone: a `--rootfs` image whose
 * directory was removed (or replaced by a file) after `podkit image add`. Every start of it
 * would fail to mount; admission says so once, up front, naming the image and the directory.
 *
 * @example
 *   await assertImageUsable(await resolveImage(root, 'busybox:test')); // IMAGE_ROOTFS_MISSING
 */
export async function assertImageUsable(image: ImageRecord): Promise<void> {
  if (image.kind !== 'rootfs') return;
  const st = await stat(image.rootfs).catch(() => undefined);
  if (st?.isDirectory() === true) return;
  const short = familiarImageName(image.name);
  throw imageError(
    RuntimeErrorCode.IMAGE_ROOTFS_MISSING,
    `image "${short}" cannot be used: its root filesystem directory ${image.rootfs} (podkit image add --rootfs) ${st === undefined ? 'no longer exists' : 'is no longer a directory'}`,
    {
      hint: `restore ${image.rootfs}, or define the image again from another directory: \`podkit image add ${short} --rootfs DIR\` (or remove it: \`podkit image rm ${short}\`)`,
    },
  );
}

/**
 * Like getImage, but a missing image is an IMAGE_NOT_FOUND error saying how to add it, and an
 * image that cannot be used (assertImageUsable) is refused.
 */
export async function resolveImage(stateRoot: string, name: string): Promise<ImageRecord> {
  const image = await getImage(stateRoot, name);
  if (image !== undefined) {
    await assertImageUsable(image);
    return image;
  }
  const short = familiarImageName(normaliseImageName(name));
  throw new PodkitError(
    RuntimeErrorCode.IMAGE_NOT_FOUND,
    `image "${name}" is not in the local image store`,
    {
      hint: `define it first, e.g. \`podkit image add ${short} --host --entrypoint '["cmd","arg"]'\` (software installed on this machine) or \`podkit image add ${short} --rootfs DIR\``,
    },
  );
}

/** Every image, sorted by name. */
export async function listImages(stateRoot: string): Promise<ImageRecord[]> {
  let files: string[];
  try {
    files = await readdir(imagesDir(stateRoot));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ImageRecord[] = [];
  for (const f of files.filter((f) => f.endsWith('.json')).sort()) {
    out.push(JSON.parse(await readFile(join(imagesDir(stateRoot), f), 'utf8')) as ImageRecord);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes the image record (never the host's or a rootfs directory's files). False if absent. */
export async function removeImage(stateRoot: string, name: string): Promise<boolean> {
  const path = recordPath(stateRoot, normaliseImageName(name));
  const existed = await stat(path).then(
    () => true,
    () => false,
  );
  await rm(path, { force: true });
  return existed;
}
