import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc, type Stats } from 'node:fs';
import {
  chmod,
  link,
  lchown,
  lstat,
  lutimes,
  mkdir,
  open,
  rename,
  rm,
  symlink,
  utimes,
} from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import tar, { type Header } from 'tar-stream';
import { imageError, RuntimeErrorCode } from '../../errors.js';
import { runCommand } from '../../host/run-command.js';

/**
 * Safe layer extraction. A layer tar comes from whoever built the image: every entry is
 * treated as hostile. The rules (docs/images.md, "Extraction rules"):
 *
 * - Names are resolved inside the layer root without following symlinks: every parent
 *   component is lstat'ed and must be a real directory made by this layer (missing ones are
 *   created 0755). A symlink (or a file) where a directory is needed refuses the layer, so
 *   nothing is ever written through a symlink. This is sound without openat(2): the
 *   extraction directory is private (0700, made by us, under a 0700 store) and only this
 *   sequential loop writes into it, so nothing can swap a component between lstat and use.
 * - Names with a `..` component, and absolute names, are refused (not confined): a
 *   well-formed layer never has them. `./` prefixes and `.` components are dropped.
 * - An entry that names the layer root itself (`.`, `./`) may only be a directory (its mode
 *   is ignored); a symlink, file or link there is refused (CVE-2021-29136, umoci).
 * - Hardlink targets follow the same rules and must be a regular file or symlink already
 *   extracted in this layer: a hardlink can never reach outside the layer.
 * - Symlink targets are stored as they are: the extractor never follows them, and inside a
 *   container they resolve against the container's own root.
 * - Whiteouts: `.wh.<name>` becomes a 0:0 character device `<name>` and `.wh..wh..opq`
 *   the `trusted.overlay.opaque=y` xattr on its directory (what overlayfs reads, as
 *   containerd's overlay snapshotter does); a whiteout whose name is `..`, `.` or empty is
 *   refused.
 * - Device nodes are refused unless `allowDevices` (a privileged image); FIFOs are made.
 * - Ownership (uid/gid) and mode bits (setuid/setgid/sticky included) come from the entry,
 *   applied with lchown/chmod on the extracted path only (never through a symlink).
 * - Limits: the sum of entry sizes (checked from each header, before its data is read, so
 *   a huge size header is refused at once) and the number of entries.
 * - Everything is written to a temp directory beside the destination and renamed into place
 *   only when the whole layer was applied and its diff_id matched: a refused layer leaves
 *   nothing.
 */

export interface UnpackLimits {
  /** Sum of the entries' sizes (uncompressed). Default 32 GiB. */
  maxBytes?: number | undefined;
  /** Number of tar entries. Default 1,000,000. */
  maxEntries?: number | undefined;
}

export const DEFAULT_UNPACK_LIMITS: { maxBytes: number; maxEntries: number } = {
  maxBytes: 32 * 1024 ** 3,
  maxEntries: 1_000_000,
};

export interface UnpackLayerOptions {
  /** The layer blob (gzip, zstd or plain tar: detected from its first bytes). */
  source: Readable | AsyncIterable<Uint8Array>;
  /** The directory to create; must not exist yet (its parent must). */
  dest: string;
  /** `sha256:…` of the uncompressed tar; a mismatch refuses the layer. */
  expectedDiffId?: string | undefined;
  limits?: UnpackLimits | undefined;
  /** Create device nodes (a privileged image). podkit's pods are unprivileged: default false. */
  allowDevices?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

export interface UnpackResult {
  diffId: string;
  /** False when another unpack of the same layer finished first (its directory is kept). */
  installed: boolean;
  entries: number;
  bytes: number;
}

const unsafe = (layer: string, why: string): Error =>
  imageError(RuntimeErrorCode.IMAGE_LAYER_UNSAFE, `layer ${layer} refused: ${why}`, {
    hint: 'the image is malformed or hostile; nothing of this layer was kept',
  });

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC = [0x1f, 0x8b];

/** Peeks at the first bytes and returns a stream of the uncompressed tar. */
export async function decompressed(
  source: Readable | AsyncIterable<Uint8Array>,
): Promise<Readable> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const first: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < 4) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    first.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(first);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done === true) return;
      yield r.value;
    }
  }
  const raw = Readable.from(rest(), { objectMode: false });
  const is = (magic: number[]): boolean => magic.every((b, i) => head[i] === b);
  if (is(GZIP_MAGIC)) {
    const out = createGunzip();
    raw.on('error', (err) => out.destroy(err));
    return raw.pipe(out);
  }
  if (is(ZSTD_MAGIC)) {
    const out = new PassThrough();
    const z = new ZstdDecompress((chunk) => {
      out.write(Buffer.from(chunk));
    });
    void (async () => {
      try {
        for await (const c of raw) z.push(c as Uint8Array);
        z.push(new Uint8Array(0), true);
        out.end();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return out;
  }
  return raw;
}

/** Splits an entry name into clean components; throws on `..` or an absolute name. */
function components(name: string, what: string, layer: string): string[] {
  if (name.startsWith('/')) throw unsafe(layer, `${what} "${name}" is an absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(layer, `${what} "${name}" contains ".."`);
  if (name.includes('\0')) throw unsafe(layer, `${what} "${name}" contains a NUL byte`);
  return parts;
}

/** The lstat of `p`, or undefined when absent. */
const lstatOrNone = (p: string): Promise<Stats | undefined> =>
  lstat(p).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  });

/**
 * Unpacks one layer into `dest` (created by renaming a temp directory beside it). Returns the
 * diff_id computed from the uncompressed stream.
 *
 * @example
 *   await unpackLayer({ source: openBlob(root, digest), dest, expectedDiffId });
 */
export async function unpackLayer(options: UnpackLayerOptions): Promise<UnpackResult> {
  const limits = {
    maxBytes: options.limits?.maxBytes ?? DEFAULT_UNPACK_LIMITS.maxBytes,
    maxEntries: options.limits?.maxEntries ?? DEFAULT_UNPACK_LIMITS.maxEntries,
  };
  const layer = options.expectedDiffId ?? path.basename(options.dest);
  const root = path.join(
    path.dirname(options.dest),
    `.tmp-${path.basename(options.dest)}-${randomBytes(6).toString('hex')}`,
  );
  await mkdir(root, { mode: 0o700 });
  const hash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb): void {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const abort = new AbortController();
  const onOuterAbort = (): void => {
    abort.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const extract = tar.extract();
  let entries = 0;
  let bytes = 0;
  // Directory mtimes are set last: creating their children would change them again.
  const dirTimes: [string, Date][] = [];
  const opaque: string[] = [];
  const whiteouts: string[] = [];
  const made = new Set<string>();
  try {
    const tarStream = await decompressed(options.source);
    const feeding = pipeline(tarStream, hasher, extract, { signal: abort.signal });
    feeding.catch(() => undefined);
    const apply = async (): Promise<void> => {
      for await (const entry of extract) {
        const h = entry.header;
        entries++;
        if (entries > limits.maxEntries) {
          throw unsafe(layer, `more than ${String(limits.maxEntries)} entries (the entry limit)`);
        }
        const size = h.size;
        if (!Number.isSafeInteger(size) || size < 0 || bytes + size > limits.maxBytes) {
          throw unsafe(
            layer,
            `entry "${h.name}" declares ${String(size)} bytes: more than the ${String(limits.maxBytes)}-byte size limit`,
          );
        }
        bytes += size;
        await applyEntry(h, entry as AsyncIterable<unknown>);
        // Drain what applyEntry did not read (the data of entries without content).
        entry.resume();
      }
    };
    const applyEntry = async (h: Header, data: AsyncIterable<unknown>): Promise<void> => {
      const parts = components(h.name, 'entry', layer);
      const base = parts.at(-1);
      // Whiteouts (checked before anything is created for them).
      if (base?.startsWith('.wh.') === true) {
        const parent = await resolveParent(parts, h.name);
        if (base === '.wh..wh..opq') {
          opaque.push(parent);
          return;
        }
        const hidden = base.slice('.wh.'.length);
        if (hidden === '' || hidden === '.' || hidden === '..' || hidden.startsWith('.wh.')) {
          throw unsafe(layer, `whiteout "${h.name}" names "${hidden}", outside its directory`);
        }
        const target = path.join(parent, hidden);
        // Whiteouts hide lower layers only: a same-named entry of this layer stays.
        if (!made.has(target)) whiteouts.push(target);
        return;
      }
      if (parts.length === 0 || base === undefined) {
        if (h.type === 'directory') return; // the root: exists, mode left as made
        throw unsafe(layer, `entry "${h.name}" (${h.type}) would replace the layer root`);
      }
      const parent = await resolveParent(parts, h.name);
      const target = path.join(parent, base);
      const existing = await lstatOrNone(target);
      if (existing !== undefined && !(existing.isDirectory() && h.type === 'directory')) {
        // A later entry replaces an earlier one, as tar does; rm never follows symlinks.
        await rm(target, { recursive: true, force: true });
      }
      made.add(target);
      const mode = h.mode & 0o7777;
      switch (h.type) {
        case 'directory': {
          if (existing?.isDirectory() !== true) await mkdir(target, { mode: 0o700 });
          await lchown(target, h.uid, h.gid);
          await chmod(target, mode);
          dirTimes.push([target, h.mtime]);
          return;
        }
        case 'file':
        case 'contiguous-file': {
          const fh = await open(
            target,
            fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW,
            0o600,
          );
          try {
            let written = 0;
            for await (const chunk of data) {
              const buf = chunk as Buffer;
              written += buf.length;
              if (written > h.size) throw unsafe(layer, `entry "${h.name}" exceeds its size`);
              await fh.write(buf);
            }
            // chown clears setuid/setgid: chmod after it.
            await fh.chown(h.uid, h.gid);
            await fh.chmod(mode);
          } finally {
            await fh.close();
          }
          await utimes(target, h.mtime, h.mtime);
          return;
        }
        case 'symlink': {
          if (h.linkname === '' || h.linkname.includes('\0')) {
            throw unsafe(layer, `symlink "${h.name}" has an empty or invalid target`);
          }
          await symlink(h.linkname, target);
          await lchown(target, h.uid, h.gid);
          await lutimes(target, h.mtime, h.mtime);
          return;
        }
        case 'link': {
          const srcParts = components(h.linkname, `hardlink target of "${h.name}"`, layer);
          if (srcParts.length === 0) throw unsafe(layer, `hardlink "${h.name}" targets the root`);
          const srcParent = await resolveParent(srcParts, h.linkname, false);
          const src = path.join(srcParent, srcParts.at(-1) ?? '');
          const st = await lstatOrNone(src);
          if (st === undefined || !(st.isFile() || st.isSymbolicLink())) {
            throw unsafe(
              layer,
              `hardlink "${h.name}" → "${h.linkname}": the target is not a file of this layer`,
            );
          }
          // link(2) does not follow a symlink source: the link is to the symlink itself.
          await link(src, target);
          return;
        }
        case 'fifo': {
          await runCommand(['mkfifo', '-m', mode.toString(8), '--', target]);
          await lchown(target, h.uid, h.gid);
          return;
        }
        case 'character-device':
        case 'block-device': {
          if (options.allowDevices !== true) {
            throw unsafe(
              layer,
              `entry "${h.name}" is a device node (${h.type}); device nodes are refused in unprivileged images`,
            );
          }
          await runCommand([
            'mknod',
            '-m',
            mode.toString(8),
            '--',
            target,
            h.type === 'character-device' ? 'c' : 'b',
            String(h.devmajor),
            String(h.devminor),
          ]);
          await lchown(target, h.uid, h.gid);
          return;
        }
        default:
          throw imageError(
            RuntimeErrorCode.IMAGE_FORMAT_INVALID,
            `layer ${layer}: entry "${h.name}" has an unsupported type ${String(h.type)}`,
          );
      }
    };
    /**
     * The parent directory of `parts` inside the root, creating missing directories: every
     * existing component must be a real directory (lstat: symlinks are never followed).
     */
    const resolveParent = async (
      parts: readonly string[],
      name: string,
      create = true,
    ): Promise<string> => {
      let dir = root;
      for (const p of parts.slice(0, -1)) {
        const next = path.join(dir, p);
        const st = await lstatOrNone(next);
        if (st === undefined) {
          if (!create) throw unsafe(layer, `"${name}": "${p}" does not exist in this layer`);
          await mkdir(next, { mode: 0o755 });
          await chmod(next, 0o755);
        } else if (st.isSymbolicLink()) {
          throw unsafe(
            layer,
            `"${name}" goes through the symlink "${path.relative(root, next)}"; podkit never writes through a symlink`,
          );
        } else if (!st.isDirectory()) {
          throw unsafe(layer, `"${name}": "${path.relative(root, next)}" is not a directory`);
        }
        dir = next;
      }
      return dir;
    };
    try {
      await Promise.all([apply(), feeding]);
    } catch (err) {
      abort.abort(err);
      extract.destroy();
      await feeding.catch(() => undefined);
      throw err;
    }
    const diffId = `sha256:${hash.digest('hex')}`;
    if (options.expectedDiffId !== undefined && diffId !== options.expectedDiffId) {
      throw imageError(
        RuntimeErrorCode.IMAGE_DIGEST_MISMATCH,
        `layer content does not match its diff_id: expected ${options.expectedDiffId}, got ${diffId}`,
        { hint: 'the image config and its layers disagree (corrupt or tampered image)' },
      );
    }
    for (const w of whiteouts) {
      if ((await lstatOrNone(w)) !== undefined) continue;
      await runCommand(['mknod', '-m', '0', '--', w, 'c', '0', '0']);
    }
    for (const d of opaque) {
      await runCommand(['setfattr', '-h', '-n', 'trusted.overlay.opaque', '-v', 'y', '--', d]);
    }
    for (const [d, t] of dirTimes.reverse()) await utimes(d, t, t);
    await chmod(root, 0o755);
    let installed = true;
    try {
      await rename(root, options.dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Unpacked meanwhile by another import: theirs is the same content.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(root, { recursive: true, force: true });
      installed = false;
    }
    return { diffId, installed, entries, bytes };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    if (options.signal?.aborted === true) throw options.signal.reason;
    if (err instanceof Error && 'code' in err && typeof err.code === 'string') {
      if (err.code.startsWith('IMAGE_')) throw err;
    }
    throw imageError(
      RuntimeErrorCode.IMAGE_FORMAT_INVALID,
      `layer ${layer} could not be unpacked: ${(err as Error).message}`,
      { cause: err, hint: 'the layer is not a valid (gzip/zstd) tar archive' },
    );
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
