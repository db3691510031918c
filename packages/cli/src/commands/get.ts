import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { toKubernetesPod } from '@podkit/runtime';
import { UsageError } from '../errors.js';
import { globalOptions } from '../context.js';
import { agentFor, getPod, listPods, listWorkloads } from '../agent-access.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';

interface GetOptions {
  output?: 'yaml' | 'json' | 'wide' | undefined;
}

/**
 * `podkit get pod NAME -o yaml|json`: the pod as a Kubernetes Pod object with its status, as
 * `kubectl get pod NAME -o yaml` prints it (so tools written for kubectl output work on it);
 * `podkit get pods [-o wide|json|yaml]` lists the namespace's pods as kubectl does.
 */
export function registerGet(program: Command, io: CliIo, _state: CommandState): void {
  program
    .command('get')
    .description(
      'print a pod as a Kubernetes Pod object (spec and status); list Jobs or DaemonSets, or print one',
    )
    .argument('<kind>', 'pod (or po, pods), jobs (job), daemonsets (ds)')
    .argument('[name]', 'the object (none: list them)')
    .addOption(
      new Option(
        '-o, --output <format>',
        'output format (default: yaml; a list: a table, wide with IP and NODE)',
      ).choices(['yaml', 'json', 'wide']),
    )
    .action(
      async (kind: string, name: string | undefined, options: GetOptions, command: Command) => {
        // Loaded on demand, with the YAML library: neither is part of the CLI's start.
        const { renderWorkloads, WORKLOAD_RESOURCES } = await import('./get-workloads.js');
        const workload = WORKLOAD_RESOURCES[kind];
        if (workload !== undefined) {
          const client = await agentFor(command, io);
          const asked = options.output === 'wide' ? 'table' : options.output;
          const output = asked ?? (name === undefined ? 'table' : 'yaml');
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
        const client = await agentFor(command, io);
        if (name === undefined) {
          // kubectl's habit: the namespace's pods, as `kubectl get pods` lists them.
          const namespace = globalOptions(command).namespace;
          const { renderPodList } = await import('./get-pods.js');
          const text = await renderPodList(
            (await listPods(client)).filter((r) => r.namespace === namespace && !r.released),
            options.output ?? 'table',
            Date.now(),
          );
          if (text === '') io.stderr.write(`No resources found in ${namespace} namespace.\n`);
          else io.stdout.write(text);
          return;
        }
        if (options.output === 'wide')
          throw new UsageError('-o wide is for a list', { hint: 'podkit get pods -o wide' });
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
