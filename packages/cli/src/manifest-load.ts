/**
 * The manifest parser on the CLI's side, for the commands that read a file themselves
 * (`validate`, `down -f`, and `up` before it starts an agent). Loaded with `import()`: the parser (YAML,
 * validation) is not part of the CLI's start, since `up` sends a file's text to the agent.
 */
import { parseManifests, type ManifestSet } from '@podkit/runtime/spec';
import { readManifest } from './context.js';

export { loadManifestFile } from '@podkit/runtime/spec';

/**
 * Reads a manifest (into `namespace`, see manifestNamespace); an unreadable file is a usage
 * error (exit 2), like `podkit validate`.
 */
export async function loadManifest(file: string, namespace?: string): Promise<ManifestSet> {
  return parseManifests(await readManifest(file), file, { namespace });
}

/** A manifest's text, parsed and validated as the agent does it (see `up`). */
export function parseManifestText(text: string, file: string, namespace?: string): ManifestSet {
  return parseManifests(text, file, { namespace });
}
