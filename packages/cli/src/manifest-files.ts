import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readManifest } from './context.js';
import { UsageError } from './errors.js';

// `-f` as kubectl takes it: a file, or a directory meaning its manifest files. Light (node:fs
// only): `up` reads the files here and sends their text to the agent, which parses them.

/** kubectl's manifest extensions (resource.FileExtensions): what a directory contributes. */
export const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/** One manifest file: its name as shown in diagnostics and its text. */
export interface ManifestText {
  file: string;
  manifest: string;
}

const isManifestName = (name: string): boolean =>
  MANIFEST_EXTENSIONS.some((ext) => name.endsWith(ext));

/**
 * The manifest files `-f` names, in order: a file as it is (whatever its name), a directory
 * as its `*.json`, `*.yaml`, `*.yml` files sorted by name (with `recursive`, its
 * subdirectories' too, each where it sorts, as kubectl's `-R` walks). A path named twice
 * counts once. A missing path, or a directory with no manifest file, is a usage error.
 *
 * @example
 *   await expandManifestPaths(['svc.yaml', 'k8s/'], false) // ['svc.yaml', 'k8s/app.yaml', 'k8s/db.yml']
 */
export async function expandManifestPaths(
  paths: readonly string[],
  recursive: boolean,
): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(file);
  };
  for (const p of paths) {
    if (!(await isDirectory(p))) {
      add(p); // a missing or unreadable file is said when it is read
      continue;
    }
    const found = await directoryManifests(p, recursive);
    if (found.files.length === 0)
      throw new UsageError(
        `${p}: no manifest files in this directory (*.yaml, *.yml, *.json${recursive ? ', in it or below' : ''})`,
        {
          hint:
            found.subdirectories && !recursive
              ? 'its subdirectories are read with -R (--recursive)'
              : 'pass a directory holding manifests, or the files themselves with -f FILE',
        },
      );
    for (const f of found.files) add(f);
  }
  return out;
}

/** The `-f` paths' files with their text, in order (see expandManifestPaths). */
export async function readManifestFiles(
  paths: readonly string[],
  recursive: boolean,
): Promise<ManifestText[]> {
  const files = await expandManifestPaths(paths, recursive);
  return Promise.all(files.map(async (file) => ({ file, manifest: await readManifest(file) })));
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function directoryManifests(
  dir: string,
  recursive: boolean,
): Promise<{ files: string[]; subdirectories: boolean }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new UsageError(`cannot read the directory ${dir}: ${(err as Error).message}`, {
      cause: err,
      hint: 'pass a readable directory or file with -f',
    });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  let subdirectories = false;
  for (const e of entries) {
    const full = path.join(dir, e.name);
    const directory = e.isDirectory() || (e.isSymbolicLink() && (await isDirectory(full)));
    if (directory) {
      subdirectories = true;
      if (recursive) files.push(...(await directoryManifests(full, true)).files);
    } else if (isManifestName(e.name)) files.push(full);
  }
  return { files, subdirectories };
}
