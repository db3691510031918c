import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { imageError, RuntimeErrorCode } from '../../errors.js';

/**
 * The content-addressed blob store, `<state root>/images/blobs/sha256/<hex>`: manifests,
 * configs, indexes and compressed layers exactly as a registry or an archive holds them.
 * Nothing enters it unverified: a blob is streamed to a temp file while hashed, and renamed
 * to its digest only when digest (and size, when known) match.
 */

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** Throws IMAGE_DIGEST_INVALID unless `digest` is `sha256:<64 lowercase hex>`. */
export function assertDigest(digest: string): void {
  if (!DIGEST_RE.test(digest)) {
    throw imageError(RuntimeErrorCode.IMAGE_DIGEST_INVALID, `"${digest}" is not a sha256 digest`, {
      hint: 'digests look like sha256:<64 hex digits>; podkit supports sha256 only',
    });
  }
}

/** The directory holding every blob. */
export const blobsDir = (stateRoot: string): string =>
  path.join(stateRoot, 'images', 'blobs', 'sha256');

/** Where blob `digest` is (or would be) stored. */
export function blobPath(stateRoot: string, digest: string): string {
  assertDigest(digest);
  return path.join(blobsDir(stateRoot), digest.slice('sha256:'.length));
}

/** True when the blob is in the store. */
export async function hasBlob(stateRoot: string, digest: string): Promise<boolean> {
  const st = await stat(blobPath(stateRoot, digest)).catch(() => undefined);
  return st?.isFile() === true;
}

export interface BlobDescriptor {
  digest: string;
  /** When given, a different size is refused too (and the copy stops as soon as it is exceeded). */
  size?: number | undefined;
  mediaType?: string | undefined;
}

export interface PutBlobOptions {
  signal?: AbortSignal | undefined;
  /** Called with the bytes received so far (for progress bars). */
  onProgress?: ((bytes: number) => void) | undefined;
}

/**
 * Streams `source` into the store as blob `desc.digest`. Refuses (IMAGE_DIGEST_MISMATCH) a
 * content whose sha256 or size differs, leaving nothing behind. A blob already present is kept
 * and `source` is still drained, so callers need not special-case it (use `hasBlob` to skip a
 * download).
 *
 * @example
 *   await putBlob(root, { digest, size }, response.body);
 */
export async function putBlob(
  stateRoot: string,
  desc: BlobDescriptor,
  source: Readable | AsyncIterable<Uint8Array>,
  options: PutBlobOptions = {},
): Promise<{ digest: string; size: number; path: string }> {
  const final = blobPath(stateRoot, desc.digest);
  const dir = path.dirname(final);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { tmp, digest: actual, size } = await writeHashed(dir, source, options, desc);
  try {
    options.signal?.throwIfAborted();
    if (desc.size !== undefined && size !== desc.size) {
      throw imageError(
        RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
        `blob ${desc.digest} has ${String(size)} bytes, its descriptor says ${String(desc.size)}`,
        { hint: 'the source is corrupt or truncated; nothing was stored' },
      );
    }
    if (actual !== desc.digest) {
      throw imageError(
        RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
        `blob content does not match its digest: expected ${desc.digest}, got ${actual}`,
        { hint: 'the source is corrupt or was tampered with; nothing was stored' },
      );
    }
    await rename(tmp, final);
    return { digest: desc.digest, size, path: final };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Stores a blob whose digest is not known beforehand (a `layer.tar` of a classic docker-archive):
 * it is hashed while written and stored under the digest computed. `added` is false when the
 * store already had it.
 */
export async function putBlobComputed(
  stateRoot: string,
  source: Readable | AsyncIterable<Uint8Array>,
  options: PutBlobOptions = {},
): Promise<{ digest: string; size: number; added: boolean }> {
  const dir = blobsDir(stateRoot);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { tmp, digest, size } = await writeHashed(dir, source, options);
  try {
    const added = !(await hasBlob(stateRoot, digest));
    if (added) await rename(tmp, blobPath(stateRoot, digest));
    else await rm(tmp, { force: true });
    return { digest, size, added };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Streams `source` into a new temp file in `dir` while hashing it, and returns the file, its
 * sha256 digest and size; the caller renames or removes it. With `expected.size`, the copy
 * stops (IMAGE_DIGEST_MISMATCH) as soon as the source is larger. On a throw nothing is left.
 */
async function writeHashed(
  dir: string,
  source: Readable | AsyncIterable<Uint8Array>,
  options: PutBlobOptions,
  expected?: BlobDescriptor,
): Promise<{ tmp: string; digest: string; size: number }> {
  const tmp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o644);
  const hash = createHash('sha256');
  let size = 0;
  try {
    try {
      for await (const chunk of source) {
        options.signal?.throwIfAborted();
        const buf = chunk instanceof Uint8Array ? chunk : Buffer.from(chunk as string);
        size += buf.length;
        if (expected?.size !== undefined && size > expected.size) {
          throw imageError(
            RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
            `blob ${expected.digest} is larger than its declared size ${String(expected.size)}`,
            {
              hint: 'the source is corrupt or not what its manifest describes; nothing was stored',
            },
          );
        }
        hash.update(buf);
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await fh.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
        options.onProgress?.(size);
      }
    } finally {
      await fh.close();
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { tmp, digest: `sha256:${hash.digest('hex')}`, size };
}

/** Stores an in-memory blob (a manifest, a config) under its own digest; returns the digest. */
export async function putBlobBytes(stateRoot: string, data: Uint8Array): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (!(await hasBlob(stateRoot, digest))) {
    await putBlob(stateRoot, { digest, size: data.length }, Readable.from([data]));
  }
  return digest;
}

/**
 * Reads a blob, checking its digest again (a store on disk can rot or be edited). Throws
 * IMAGE_BLOB_MISSING when absent.
 */
export async function readBlob(stateRoot: string, digest: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(blobPath(stateRoot, digest));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw imageError(
        RuntimeErrorCode.IMAGE_BLOB_MISSING,
        `blob ${digest} is not in the image store`,
        {
          cause: err,
          hint: 'load or pull the image again',
        },
      );
    }
    throw err;
  }
  const actual = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  if (actual !== digest) {
    throw imageError(
      RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
      `stored blob ${digest} is corrupt (sha256 ${actual})`,
      {
        hint: '`podkit image prune` removes it; then load or pull the image again',
      },
    );
  }
  return data;
}

/** A JSON blob (manifest, index, config), digest-verified. */
export async function readBlobJson<T = unknown>(stateRoot: string, digest: string): Promise<T> {
  const data = await readBlob(stateRoot, digest);
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch (err) {
    throw imageError(RuntimeErrorCode.IMAGE_FORMAT_INVALID, `blob ${digest} is not valid JSON`, {
      cause: err,
    });
  }
}

/** A stream of a stored blob (not re-verified: verify what you derive, e.g. a layer's diff_id). */
export function openBlob(stateRoot: string, digest: string): Readable {
  return createReadStream(blobPath(stateRoot, digest));
}
