import { readFile } from 'node:fs/promises';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';

// Apart from the parser (manifests.ts): the CLI reads a file whose text the agent parses, and
// loads no YAML or validation code for it.

/**
 * A manifest file's text (for callers that need the documents as written too). Throws a
 * `POD_MANIFEST_UNREADABLE` PodkitError when the file cannot be read.
 */
export async function readManifestFile(path: string, signal?: AbortSignal): Promise<string> {
  try {
    return await readFile(path, { encoding: 'utf8', ...(signal !== undefined ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted === true) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new PodkitError(
      RuntimeErrorCode.POD_MANIFEST_UNREADABLE,
      `cannot read ${path}: ${reason}`,
      {
        cause: err,
        hint: 'pass the path of a YAML or JSON manifest',
      },
    );
  }
}
