import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { toKubernetesPod } from '@podkit/runtime';
import { UsageError } from '../errors.js';
import { globalOptions } from '../context.js';
import { agentFor, getPod, listWorkloads } from '../agent-access.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';

interface GetOptions {
  output?: 'yaml' | 'json' | undefined;
}

/**
 * `podkit get pod NAME -o yaml|json`: the pod as a Kubernetes Pod object with its status, as
 * `kubectl get pod NAME -o yaml` prints it (so tools written for kubectl output work on it).
 */
export function registerGet(program: Command, io: CliIo, _state: CommandState): void {
  program
    .command('get')
    .description(
      'print a pod as a Kubernetes Pod object (spec and status); list Jobs or DaemonSets, or print one',
    )
    .argument('<kind>', 'pod (or po, pods), jobs (job), daemonsets (ds)')
    .argument('[name]', 'the object (a pod needs one)')
    .addOption(
      new Option('-o, --output <format>', 'output format (default: yaml; a list: a table)').choices(
        ['yaml', 'json'],
      ),
    )
    .action(
      async (kind: string, name: string | undefined, options: GetOptions, command: Command) => {
        // Loaded on demand, with the YAML library: neither is part of the CLI's start.
        const { renderWorkloads, WORKLOAD_RESOURCES } = await import('./get-workloads.js');
        const workload = WORKLOAD_RESOURCES[kind];
        if (workload !== undefined) {
          const client = await agentFor(command, io);
          const output = options.output ?? (name === undefined ? 'table' : 'yaml');
          const text = renderWorkloads(
            workload,
            await listWorkloads(client),
            globalOptions(command).namespace,
            name,
            output,
            Date.now(),
          );
          if (text === '')
            io.stderr.write(
              `No resources found in ${globalOptions(command).namespace} namespace.\n`,
            );
          else io.stdout.write(text);
          return;
        }
        if (!['pod', 'pods', 'po'].includes(kind)) {
          throw new UsageError(`unknown resource type "${kind}"`, {
            hint: 'podkit get pod NAME, podkit get jobs, podkit get daemonsets',
          });
        }
        if (name === undefined)
          throw new UsageError('name the pod', { hint: '`podkit ps` lists the pods' });
        const client = await agentFor(command, io);
        const record = await getPod(client, globalOptions(command).namespace, name);
        const pod = toKubernetesPod(record, hostname());
        if (options.output === 'json') {
          io.stdout.write(`${JSON.stringify(pod, null, 4)}\n`);
          return;
        }
        const { stringify } = await import('yaml');
        io.stdout.write(stringify(pod, { lineWidth: 0, aliasDuplicateObjects: false }));
      },
    );
}
