import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

/**
 * Writes `data` to `file` so that readers see either the old or the new content, never a
 * torn one, even across a crash: write a temp file beside it, fsync it, rename it over the
 * target, fsync the directory.
 *
 * @example
 *   await writeFileAtomic('/var/lib/podkit/pods/u1/sandbox.json', '{}', 0o600);
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  mode = 0o600,
  options: { durable?: boolean | undefined } = {},
): Promise<void> {
  // Non-durable writes keep the atomicity (readers never see a torn file) but skip the fsyncs:
  // for data rewritten often and re-derivable after a crash, such as a pod's status.
  const durable = options.durable ?? true;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${tmpSuffix()}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (!durable) return;
  // The rename is durable only once the directory entry is on disk.
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** writeFileAtomic of `JSON.stringify(value, null, 2)` plus a newline. */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  mode = 0o600,
  options: { durable?: boolean | undefined } = {},
): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, mode, options);
}

/** Reads a JSON file; undefined when it does not exist; STATE_CORRUPT when it does not parse. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw runtimeError(RuntimeErrorCode.STATE_CORRUPT, `${file} is not valid JSON`, {
      cause,
      hint: 'remove the file (podkit gc) or restore it',
    });
  }
}

/**
 * 12 random hex digits. From the global Web Crypto, not `node:crypto`: this module is loaded
 * with every CLI start, and node:crypto's modules cost it ~3 ms to compile (pod start time).
 */
function tmpSuffix(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}
