/**
 * The manifest parser on the CLI's side, for the commands that read files themselves
 * (`validate`, `down -f`, `kube export`, and `up` before it starts an agent). Loaded with
 * `import()`: the parser (YAML, validation) is not part of the CLI's start, since `up` sends
 * the files' text to the agent.
 */
import {
  combineManifestSets,
  parseManifests,
  withCrossFileDuplicates,
  type ManifestSet,
} from '@podkit/runtime/spec';
import type { ManifestText } from './manifest-files.js';

/**
 * Each file's set (into `namespace`, see manifestNamespace), with an error at every object an
 * earlier file already defines: what `validate` reports file by file.
 */
export function parseManifestFiles(
  files: readonly ManifestText[],
  namespace?: string,
): ManifestSet[] {
  return withCrossFileDuplicates(
    files.map((f) => parseManifests(f.manifest, f.file, { namespace })),
  );
}

/** Several manifests' texts as one set, as the agent reads an apply of several files. */
export function parseManifestTexts(
  files: readonly ManifestText[],
  namespace?: string,
): ManifestSet {
  return combineManifestSets(files.map((f) => parseManifests(f.manifest, f.file, { namespace })));
}
