import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { globalOptions, pickContainer } from '../context.js';
import { agentFor } from '../agent-access.js';
import { resolvePod } from '../pod-ref.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { CommandState } from '../program.js';

interface LogsOptions {
  container?: string | undefined;
  follow?: boolean | undefined;
  tail?: string | undefined;
  timestamps?: boolean | undefined;
}

function parseTail(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) {
    throw new UsageError(`--tail: expected a number of lines, got "${text}"`, {
      hint: '--tail 10 shows the last 10 lines; -1 (the default) shows all',
    });
  }
  const n = Number(text);
  return n < 0 ? undefined : n;
}

/**
 * `podkit logs NAME [-c C] [-f] [--tail N] [--timestamps]`: a container's output from its CRI
 * log file (all its runs, like `kubectl logs` of the current container plus earlier ones).
 * `-f` keeps printing until the container ended for good, the pod is removed, or Ctrl+C.
 */
export function registerLogs(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('logs')
    .description("print a container's logs")
    .argument('<name>', 'a pod name, or TYPE/NAME for one pod of a workload (deploy/web, sts/db)')
    .option('-c, --container <name>', 'the container (required when the pod has several)')
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <lines>', 'only the last N lines (-1: all)')
    .option('--timestamps', 'prefix each line with its RFC 3339 timestamp')
    .action(async (name: string, options: LogsOptions, command: Command) => {
      const tail = parseTail(options.tail);
      const client = await agentFor(command, io);
      const record = await resolvePod(client, globalOptions(command).namespace, name, (m) =>
        io.stderr.write(m),
      );
      const container = pickContainer(record, options.container);
      const q = new URLSearchParams({ container });
      if (options.follow === true) q.set('follow', '1');
      if (tail !== undefined) q.set('tail', String(tail));
      if (options.timestamps === true) q.set('timestamps', '1');
      // Ctrl+C, or the reader going away (`| head -1`), ends the command (as kubectl's).
      const ac = new AbortController();
      const source = io.signals ?? process;
      let interrupted: NodeJS.Signals | undefined;
      const onSignal = (sig: NodeJS.Signals): void => {
        interrupted ??= sig;
        ac.abort();
      };
      const closed = io.stdoutClosed;
      const onClosed = (): void => {
        ac.abort();
      };
      closed?.addEventListener('abort', onClosed, { once: true });
      source.on('SIGINT', onSignal);
      source.on('SIGTERM', onSignal);
      const utf8 = new StringDecoder('utf8');
      try {
        await client.bytes(
          `/v1/pods/${encodeURIComponent(record.namespace)}/${encodeURIComponent(record.name)}/log?${q.toString()}`,
          (data) => {
            if (closed?.aborted !== true) io.stdout.write(utf8.write(data));
          },
          ac.signal,
        );
      } finally {
        source.off('SIGINT', onSignal);
        source.off('SIGTERM', onSignal);
        closed?.removeEventListener('abort', onClosed);
      }
      if (interrupted !== undefined) state.exitCode = interrupted === 'SIGINT' ? 130 : 143;
    });
}
