import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import { listImages } from '@podkit/runtime';
import { parseManifests, parseYamlDocuments } from '@podkit/runtime/spec';
import { layoutFor, readManifest } from '../context.js';
import { CliErrorCode } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { exportManifests, type ExportKind } from '../kube/export.js';
import { defaultImageMap, parseImageFlag, readImageMapFile } from '../kube/image-map.js';
import { SCHEMA_RELEASE, formatSchemaProblems, schemaProblems } from '../kube/schema.js';
import { toKubeYaml } from '../kube/yaml-out.js';
import type { CommandState } from '../program.js';
import { colorsFor, renderDiagnostic, renderSummary } from '../render.js';

// `podkit kube export`'s work, loaded by its action (kube.ts) with import(): the YAML parser,
// the spec model and the exporters are not part of the CLI's start.

export interface ExportOptions {
  file: string;
  as?: ExportKind | undefined;
  imageMap?: string | undefined;
  image: string[];
  keepHostPorts?: boolean | undefined;
  keepHostPaths?: boolean | undefined;
}

/**
 * The host and rootfs images of the state root, when it is readable (export needs no root:
 * without access there is simply nothing to warn about).
 */
async function localImages(root: string): Promise<Map<string, string>> {
  const local = new Map<string, string>();
  try {
    for (const image of await listImages(root)) {
      if (image.kind !== 'oci') local.set(image.name, image.kind);
    }
  } catch {
    // unreadable (not root) or corrupt: the warnings are a courtesy, the export stands
  }
  return local;
}

/** `podkit kube export` (see kube.ts). */
export async function runKubeExport(
  options: ExportOptions,
  command: Command,
  io: CliIo,
  state: CommandState,
): Promise<void> {
  const images = defaultImageMap();
  if (options.imageMap !== undefined) await readImageMapFile(options.imageMap, images);
  for (const flag of options.image) images.set(...parseImageFlag(flag), '--image');

  const text = await readManifest(options.file);
  const set = parseManifests(text, options.file);
  const c = colorsFor(io);
  const errors = set.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    for (const d of set.diagnostics) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
    io.stderr.write(`${renderSummary(set, c)}\n`);
    state.exitCode = ExitCode.FAILURE;
    return;
  }
  // The documents as written, from the same text: the set holds typed, defaulted objects,
  // and a cluster should get the user's manifest, not podkit's defaults.
  const { documents } = parseYamlDocuments(text, options.file);
  const result = exportManifests(documents, options.file, {
    as: options.as,
    images,
    keepHostPorts: options.keepHostPorts === true,
    keepHostPaths: options.keepHostPaths === true,
    localImages: await localImages(layoutFor(command, io).root),
  });
  for (const object of result.objects) {
    const problems = await schemaProblems(object);
    if (problems.length > 0) {
      const meta = object.metadata as { name?: unknown } | undefined;
      throw new PodkitError(
        CliErrorCode.CLI_KUBE_SCHEMA,
        `the exported ${JSON.stringify(object.kind)} ${JSON.stringify(meta?.name)} does not match the Kubernetes ${SCHEMA_RELEASE} schema:\n${formatSchemaProblems(problems)}`,
        { hint: `fix the manifest in ${options.file} (or report a podkit bug)` },
      );
    }
  }
  // podkit's own warnings ("ignored on one machine") are not about the cluster: only the
  // changes are reported.
  for (const d of result.changes) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
  io.stdout.write(toKubeYaml(result.objects));
}
