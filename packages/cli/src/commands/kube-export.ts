import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import { listImages } from '@podkit/runtime';
import {
  parseManifests,
  parseYamlDocuments,
  withCrossFileDuplicates,
  type Diagnostic,
  type JsonObject,
} from '@podkit/runtime/spec';
import { layoutFor } from '../context.js';
import { CliErrorCode, UsageError } from '../errors.js';
import { readManifestFiles } from '../manifest-files.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { exportManifests, type ExportKind } from '../kube/export.js';
import { defaultImageMap, parseImageFlag, readImageMapFile } from '../kube/image-map.js';
import { SCHEMA_RELEASE, formatSchemaProblems, hasSchema, schemaProblems } from '../kube/schema.js';
import { toKubeYaml } from '../kube/yaml-out.js';
import type { CommandState } from '../program.js';
import { colorsFor, renderDiagnostic, renderSummary } from '../render.js';

// `podkit kube export`'s work, loaded by its action (kube.ts) with import(): the YAML parser,
// the spec model and the exporters are not part of the CLI's start.

export interface ExportOptions {
  /** Absent when no -f was given. */
  file?: string[] | undefined;
  recursive?: boolean | undefined;
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

  const paths = options.file ?? [];
  if (paths.length === 0)
    throw new UsageError("required option '-f, --file <file>' not specified", {
      hint: 'podkit kube export -f pod.yaml (or -f DIR, several -f)',
    });
  const files = await readManifestFiles(paths, options.recursive === true);
  // Every file validated as `up` of them all would be (objects two files define included).
  const sets = withCrossFileDuplicates(files.map((f) => parseManifests(f.manifest, f.file)));
  const c = colorsFor(io);
  const invalid = sets.filter((s) => s.diagnostics.some((d) => d.severity === 'error'));
  if (invalid.length > 0) {
    for (const set of invalid) {
      for (const d of set.diagnostics) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
      io.stderr.write(`${renderSummary(set, c)}\n`);
    }
    state.exitCode = ExitCode.FAILURE;
    return;
  }
  const local = await localImages(layoutFor(command, io).root);
  const objects: { object: JsonObject; file: string }[] = [];
  const changes: Diagnostic[] = [];
  for (const { file, manifest } of files) {
    // The documents as written, from the same text: the set holds typed, defaulted objects,
    // and a cluster should get the user's manifest, not podkit's defaults.
    const { documents } = parseYamlDocuments(manifest, file);
    const result = exportManifests(documents, file, {
      as: options.as,
      images,
      keepHostPorts: options.keepHostPorts === true,
      keepHostPaths: options.keepHostPaths === true,
      localImages: local,
    });
    objects.push(...result.objects.map((object) => ({ object, file })));
    changes.push(...result.changes);
  }
  for (const { object, file } of objects) {
    const meta = object.metadata as { name?: unknown } | undefined;
    const what = `${JSON.stringify(object.kind)} ${JSON.stringify(meta?.name)}`;
    // A kind with no schema here (a custom resource, the Gateway API) is the cluster's to
    // check: it goes as written, said once.
    if (!hasSchema(object)) {
      const type = `${typeof object.apiVersion === 'string' ? object.apiVersion : '?'} ${typeof object.kind === 'string' ? object.kind : '?'}`;
      io.stderr.write(
        `${c.yellow('warning')}: ${what} (${file}): no ${type} schema here to check it against; exported as written\n`,
      );
      continue;
    }
    const problems = await schemaProblems(object);
    if (problems.length > 0) {
      throw new PodkitError(
        CliErrorCode.CLI_KUBE_SCHEMA,
        `the exported ${what} does not match the Kubernetes ${SCHEMA_RELEASE} schema:\n${formatSchemaProblems(problems)}`,
        { hint: `fix the manifest in ${file} (or report a podkit bug)` },
      );
    }
  }
  // podkit's own warnings ("ignored on one machine") are not about the cluster: only the
  // changes are reported.
  for (const d of changes) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
  io.stdout.write(toKubeYaml(objects.map((o) => o.object)));
}
