import type { Command } from 'commander';
import { isPodkitError } from '@podkit/kit';
import { globalOptions, manifestNamespace, parseDurationFlag, requireHost } from '../context.js';
import { agentFor, removePod, removeService, removeWorkload } from '../agent-access.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';
import { colorsFor, renderDiagnostic } from '../render.js';

interface DownOptions {
  file?: string | undefined;
  force?: boolean | undefined;
  timeout?: string | undefined;
}

/**
 * `podkit down NAME… | -f FILE`: stops each pod (its containers get their grace period, or are
 * killed at once with --force), releases everything it held and removes its record and logs.
 * Every pod is attempted; any that is not there makes the exit code 1.
 */
export function registerDown(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('down')
    .description('stop pods and remove them (containers, network, volumes, record, logs)')
    .argument('[names...]', 'pod names')
    .option(
      '-f, --file <file>',
      'the objects of this manifest file: its workloads (with their pods), pods and Services',
    )
    .option('--force', 'do not wait for the grace period: kill the containers at once')
    .option('--timeout <duration>', 'how long to wait for the pod to stop before killing it')
    .action(async (names: string[], options: DownOptions, command: Command) => {
      const timeoutMs = parseDurationFlag('--timeout', options.timeout);
      const { namespace } = globalOptions(command);
      let targets: { name: string; namespace: string }[];
      let services: { name: string; namespace: string }[] = [];
      let workloads: { kind: string; name: string; namespace: string }[] = [];
      if (options.file !== undefined) {
        if (names.length > 0) throw new UsageError('pass pod names or -f FILE, not both');
        const { loadManifest } = await import('../manifest-load.js');
        const set = await loadManifest(options.file, manifestNamespace(command));
        // An object of another namespace than -n: nothing is removed, as up starts nothing.
        const mismatched = set.diagnostics.filter((d) => d.code === 'namespace-mismatch');
        if (mismatched.length > 0) {
          const c = colorsFor(io);
          for (const d of mismatched) io.stderr.write(`${renderDiagnostic(d, c)}\n`);
          state.exitCode = ExitCode.FAILURE;
          return;
        }
        targets = set.pods.map((p) => ({ name: p.metadata.name, namespace: p.metadata.namespace }));
        services = set.services.map((s) => ({
          name: s.metadata.name,
          namespace: s.metadata.namespace,
        }));
        workloads = [...set.deployments, ...set.replicaSets, ...set.jobs, ...set.daemonSets].map(
          (w) => ({
            kind: w.kind,
            name: w.metadata.name,
            namespace: w.metadata.namespace,
          }),
        );
        if (targets.length === 0 && services.length === 0 && workloads.length === 0) {
          throw new UsageError(`${options.file} holds no valid Pod`, {
            hint: '`podkit validate FILE` shows its problems',
          });
        }
      } else {
        if (names.length === 0) throw new UsageError('name the pods to remove, or pass -f FILE');
        targets = names.map((name) => ({ name, namespace }));
      }
      await requireHost();
      const client = await agentFor(command, io);
      const c = colorsFor(io);
      // Workloads first (the agent answers once their ReplicaSets and pods are gone), as
      // kubectl delete -f deletes a file's objects and their dependents go by garbage collection.
      for (const w of workloads) {
        try {
          const { dependentsLeft } = await removeWorkload(
            client,
            w.kind,
            w.namespace,
            w.name,
            timeoutMs,
          );
          io.stdout.write(
            `${w.kind.toLowerCase()}/${w.name} ${c.green('removed')}${dependentsLeft ? ' (some of its pods are still stopping)' : ''}\n`,
          );
        } catch (err) {
          if (!isPodkitError(err)) throw err;
          io.stderr.write(`podkit: ${err.message}\n`);
          state.exitCode = ExitCode.FAILURE;
        }
      }
      for (const t of targets) {
        try {
          await removePod(client, t.namespace, t.name, {
            force: options.force,
            timeoutMs,
            onWait: (message) => io.stderr.write(`${message}\n`),
          });
          io.stdout.write(`pod/${t.name} ${c.green('removed')}\n`);
        } catch (err) {
          if (!isPodkitError(err)) throw err;
          io.stderr.write(`podkit: ${err.message}\n`);
          if (err.hint !== undefined) io.stderr.write(`hint: ${err.hint}\n`);
          state.exitCode = ExitCode.FAILURE;
        }
      }
      // The file's Services go after its pods, as kubectl deletes a file's objects in order.
      for (const t of services) {
        try {
          await removeService(client, t.namespace, t.name);
          io.stdout.write(`service/${t.name} ${c.green('removed')}\n`);
        } catch (err) {
          if (!isPodkitError(err)) throw err;
          io.stderr.write(`podkit: ${err.message}\n`);
          state.exitCode = ExitCode.FAILURE;
        }
      }
    });
}
