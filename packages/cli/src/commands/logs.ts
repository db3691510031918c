import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { containerLogPath, readLogs, readPodRecord, type PodRecord } from '@podkit/runtime';
import {
  globalOptions,
  layoutFor,
  pickContainer,
  requirePod,
  requireStateAccess,
} from '../context.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { LogFollower } from '../log-follower.js';
import { statusOf } from '../pod-view.js';
import type { CommandState } from '../program.js';

interface LogsOptions {
  container?: string | undefined;
  follow?: boolean | undefined;
  tail?: string | undefined;
  timestamps?: boolean | undefined;
}

/** True once the container exited and its pod's restart policy will not run it again. */
export function containerEnded(record: PodRecord, name: string): boolean {
  if (record.released) return true;
  const t = statusOf(record, name)?.state.terminated;
  if (t === undefined) return false;
  const init = record.pod.spec.initContainers.find((c) => c.name === name);
  if (init?.restartPolicy === 'Always') return false;
  const policy = record.pod.spec.restartPolicy;
  if (init !== undefined) return t.exitCode === 0 || policy === 'Never';
  if (policy === 'Always') return false;
  return policy === 'Never' || t.exitCode === 0;
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
    .argument('<name>', 'pod name')
    .option('-c, --container <name>', 'the container (required when the pod has several)')
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <lines>', 'only the last N lines (-1: all)')
    .option('--timestamps', 'prefix each line with its RFC 3339 timestamp')
    .action(async (name: string, options: LogsOptions, command: Command) => {
      const tail = parseTail(options.tail);
      const layout = layoutFor(command, io);
      await requireStateAccess(layout);
      const record = await requirePod(layout, name, globalOptions(command).namespace);
      const container = pickContainer(record, options.container);
      const file = containerLogPath(layout, record.uid, container);
      const timestamps = options.timestamps === true;
      // Once the reader is gone (`| head -1`), nothing more is written and the command ends.
      const closed = io.stdoutClosed;
      if (options.follow !== true) {
        for await (const e of readLogs(file, { tail, timestamps })) {
          if (closed?.aborted === true) break;
          io.stdout.write(e.output.toString('utf8'));
        }
        return;
      }
      // Fail now (no log yet) rather than wait silently.
      const probe = readLogs(file);
      try {
        await probe.next();
      } finally {
        await probe.return(undefined);
      }
      const follower = new LogFollower(
        (_key, e) => {
          if (closed?.aborted !== true) io.stdout.write(e.output.toString('utf8'));
        },
        { timestamps },
      );
      const source = io.signals ?? process;
      let interrupted: NodeJS.Signals | undefined;
      const onSignal = (sig: NodeJS.Signals): void => {
        interrupted ??= sig;
      };
      source.on('SIGINT', onSignal);
      source.on('SIGTERM', onSignal);
      try {
        follower.add(container, file, { tail });
        for (;;) {
          if (interrupted !== undefined || closed?.aborted === true) break;
          const r = await readPodRecord(layout, record.uid);
          if (r === undefined || containerEnded(r, container)) break;
          await sleep(100);
        }
      } finally {
        source.off('SIGINT', onSignal);
        source.off('SIGTERM', onSignal);
        await follower.stop();
      }
      if (interrupted !== undefined) state.exitCode = interrupted === 'SIGINT' ? 130 : 143;
    });
}
