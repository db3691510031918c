import { Option, type Command } from 'commander';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import type { ExportOptions } from './kube-export.js';

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/**
 * `podkit kube export -f FILE|DIR [-f …] [--as pod|deployment|job]`: the manifests as a
 * cluster should receive them (docs/kubernetes.md), every object of every file in order. The
 * files are validated as `podkit up` would; every change
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
    .option(
      '-f, --file <file>',
      'manifest file, or a directory of them (*.yaml, *.yml, *.json); repeatable: Pods, workloads, Services, claims, ConfigMaps, Secrets, and the kinds podkit does not run (Ingress, NetworkPolicy, RBAC…)',
      collect,
    )
    .option('-R, --recursive', "with -f DIR: the manifests of its subdirectories' too")
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
      const { runKubeExport } = await import('./kube-export.js');
      await runKubeExport(options, command, io, state);
    });
}
