import { Option, type Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import { listImages, parseManifests, parseYamlDocuments } from '@podkit/runtime';
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

interface ExportOptions {
  file: string;
  as?: ExportKind | undefined;
  imageMap?: string | undefined;
  image: string[];
  keepHostPorts?: boolean | undefined;
  keepHostPaths?: boolean | undefined;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

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

/**
 * `podkit kube export -f FILE [--as pod|deployment|job]`: the manifest as a cluster should
 * receive it (docs/kubernetes.md). The file is validated as `podkit up` would; every change
 * is a warning on stderr at its file:line; the YAML on stdout is checked against the
 * Kubernetes OpenAPI schema before it is printed.
 */
export function registerKube(program: Command, io: CliIo, state: CommandState): void {
  const kube = program.command('kube').description('take podkit manifests to a Kubernetes cluster');
  kube
    .command('export')
    .description(
      'print a manifest as Kubernetes should run it: registry image names, local-only settings removed',
    )
    .requiredOption('-f, --file <file>', 'manifest file (Pods, workloads, ConfigMaps, Secrets)')
    .addOption(
      new Option('--as <kind>', 'wrap each pod as this kind (default: keep each kind)').choices([
        'pod',
        'deployment',
        'job',
      ]),
    )
    .option('--image-map <file>', 'YAML/JSON mapping of local image names to registry names')
    .option(
      '--image <old=new>',
      'map one image name (repeatable; wins over --image-map)',
      collect,
      [],
    )
    .option('--keep-host-ports', 'keep hostPort/hostIP (removed by default)')
    .option('--keep-host-paths', 'keep hostPath volumes (replaced by emptyDir by default)')
    .action(async (options: ExportOptions, command: Command) => {
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
    });
}
