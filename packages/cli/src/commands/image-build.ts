import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { normaliseImageName } from '@podkit/runtime';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import { colorsFor } from '../render.js';

interface BuildNodeOptions {
  name?: string | undefined;
  output: string;
  context: string;
  include: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** `containers/git-sync` or `containers/git-sync/Containerfile` → the Containerfile's path. */
async function containerfilePath(arg: string): Promise<string> {
  try {
    return (await stat(arg)).isDirectory() ? path.join(arg, 'Containerfile') : arg;
  } catch (err) {
    throw new UsageError(`cannot read ${arg}: no such file or directory`, {
      hint: 'pass a Containerfile or its directory, e.g. containers/log-adapter',
      cause: err,
    });
  }
}

/**
 * `podkit image build-node CONTAINERFILE -o DIR`: builds a pattern container's image offline,
 * as a layered OCI layout, from this host's node and the built workspace package (see
 * docs/kubernetes.md). Registered under `podkit image`, beside add/ls/rm/load.
 */
export function registerImageBuild(program: Command, io: CliIo, _state: CommandState): void {
  const image = program.commands.find((c) => c.name() === 'image');
  if (image === undefined) throw new Error('registerImageBuild: the image command is missing');
  image
    .command('build-node')
    .description(
      "build a Node pattern container's image offline (this host's node + the built package) as an OCI layout",
    )
    .argument('<containerfile>', 'its Containerfile (or directory), e.g. containers/log-adapter')
    .requiredOption('-o, --output <dir>', 'the OCI layout directory to write (new or empty)')
    .option(
      '--name <name>',
      'image name (default: ghcr.io/podkit/<directory>:<version label>, e.g. ghcr.io/podkit/log-adapter:0.1.0)',
    )
    .option('--context <dir>', 'the workspace root the Containerfile builds from', '.')
    .option(
      '--include <path>',
      'a host program or directory the image needs besides node, with its shared libraries (repeatable), e.g. /usr/bin/git',
      collect,
      [],
    )
    .action(async (arg: string, options: BuildNodeOptions) => {
      const { buildNodeImage, finalStageConfig, parseContainerfile } =
        await import('@podkit/runtime/images');
      const containerfile = await containerfilePath(arg);
      let name = options.name;
      if (name === undefined) {
        let labels: Record<string, string> = {};
        try {
          labels = finalStageConfig(
            parseContainerfile(await readFile(containerfile, 'utf8')),
          ).labels;
        } catch {
          // unreadable: buildNodeImage reports it
        }
        const version = labels['org.opencontainers.image.version'] ?? 'latest';
        const dirName = path.basename(path.dirname(path.resolve(containerfile))).toLowerCase();
        name = `ghcr.io/podkit/${dirName}:${version}`;
      }
      try {
        normaliseImageName(name);
      } catch (err) {
        throw new UsageError(`--name: ${(err as Error).message}`, {
          hint: 'e.g. --name ghcr.io/podkit/log-adapter:0.1.0',
          cause: err,
        });
      }
      const result = await buildNodeImage({
        context: options.context,
        containerfile,
        name,
        output: options.output,
        include: options.include,
      });
      const c = colorsFor(io);
      io.stdout.write(
        `${c.green('built')} ${name} ${result.image.manifest.digest} → oci:${options.output}\n`,
      );
      result.image.layers.forEach((layer, i) => {
        const what = result.layers[i];
        io.stdout.write(
          `  layer ${i + 1}: ${formatSize(layer.size)} (${String(what?.files)} files) ${what?.createdBy ?? ''}\n`,
        );
      });
      io.stdout.write(
        `load it: podkit image load ${options.output}\npush it: skopeo copy oci:${options.output} docker://REGISTRY/IMAGE:TAG\n`,
      );
    });
}
