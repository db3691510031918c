import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { toKubernetesPod } from '@podkit/runtime';
import { UsageError } from '../errors.js';
import { globalOptions } from '../context.js';
import { agentFor, getPod } from '../agent-access.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';

interface GetOptions {
  output: 'yaml' | 'json';
}

/**
 * `podkit get pod NAME -o yaml|json`: the pod as a Kubernetes Pod object with its status, as
 * `kubectl get pod NAME -o yaml` prints it (so tools written for kubectl output work on it).
 */
export function registerGet(program: Command, io: CliIo, _state: CommandState): void {
  program
    .command('get')
    .description('print a pod as a Kubernetes Pod object (spec and status)')
    .argument('<kind>', 'pod (or po, pods)')
    .argument('<name>', 'pod name')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['yaml', 'json'])
        .default('yaml'),
    )
    .action(async (kind: string, name: string, options: GetOptions, command: Command) => {
      if (!['pod', 'pods', 'po'].includes(kind)) {
        throw new UsageError(`unknown resource type "${kind}"`, { hint: 'podkit get pod NAME' });
      }
      const client = await agentFor(command, io);
      const record = await getPod(client, globalOptions(command).namespace, name);
      const pod = toKubernetesPod(record, hostname());
      if (options.output === 'json') {
        io.stdout.write(`${JSON.stringify(pod, null, 4)}\n`);
        return;
      }
      // The YAML library is loaded for this output only (it is not part of the CLI's start).
      const { stringify } = await import('yaml');
      io.stdout.write(stringify(pod, { lineWidth: 0, aliasDuplicateObjects: false }));
    });
}
