import type { Command } from 'commander';
import type { GcReport } from '@podkit/runtime';
import { agentFor } from '../agent-access.js';
import { requireHost } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';

/** `removed 1 pod, 2 mounts, 1 netns` (or `nothing to remove`). */
export function gcSummary(report: GcReport): string {
  const counts = new Map<string, number>();
  const add = (kind: string, n = 1): void => {
    counts.set(kind, (counts.get(kind) ?? 0) + n);
  };
  if (report.pods.length > 0) add('pod', report.pods.length);
  for (const l of report.leftovers) add(l.kind === 'runc' ? 'runc container' : l.kind);
  if (counts.size === 0) return 'nothing to remove';
  const parts = [...counts].map(([kind, n]) => {
    const plural = n === 1 || kind === 'netns' ? kind : `${kind}s`;
    return `${n} ${plural}`;
  });
  return `removed ${parts.join(', ')}`;
}

/**
 * `podkit gc`: removes what crashed runs left — pods whose worker died before releasing them,
 * then any netns, veth, lease, iptables rule, mount, cgroup or runc container of the state
 * root that no live pod accounts for. Prints what it removed.
 */
export function registerGc(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('gc')
    .description('remove what crashed runs left behind (pods whose worker died, stray resources)')
    .action(async (_options: unknown, command: Command) => {
      await requireHost();
      const client = await agentFor(command, io);
      const wire = await client.call<Omit<GcReport, 'errors'> & { errors: string[] }>(
        'POST',
        '/v1/gc',
      );
      const report: GcReport = { ...wire, errors: wire.errors.map((m) => new Error(m)) };
      for (const pod of report.pods) io.stdout.write(`removed pod ${pod}\n`);
      io.stdout.write(`${gcSummary(report)}\n`);
      for (const err of report.errors) io.stderr.write(`podkit: gc: ${err.message}\n`);
      state.exitCode = report.errors.length > 0 ? ExitCode.FAILURE : ExitCode.OK;
    });
}
