import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import type { RuncExit } from '@podkit/runtime';
import { globalOptions, pickContainer, requireHost } from '../context.js';
import { agentFor } from '../agent-access.js';
import { resolvePod } from '../pod-ref.js';
import { CliErrorCode } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { containerStatusText, statusOf } from '../pod-view.js';
import type { CommandState } from '../program.js';

interface ExecOptions {
  container?: string | undefined;
  stdin?: boolean | undefined;
  tty?: boolean | undefined;
}

/**
 * The exit code of `podkit exec`: the process's own, or — when runc could not start it — the
 * shell's convention that docker and kubectl follow (127 not found, 126 not executable).
 */
export function execExitCode(exit: RuncExit): number {
  if (exit.runcError === undefined) return exit.code;
  if (/executable file not found|no such file or directory/i.test(exit.runcError)) return 127;
  if (/permission denied/i.test(exit.runcError)) return 126;
  return exit.code === 0 ? ExitCode.FAILURE : exit.code;
}

/**
 * `podkit exec NAME [-c C] [-i] [-t] -- CMD…`: runs CMD in a running container through the
 * agent (`runc exec`: the container's env, user and working directory), relaying stdout and
 * stderr (and stdin with -i), and exits with CMD's exit code. With -t the command gets a
 * terminal of this terminal's size, and this terminal is put in raw mode meanwhile, so keys
 * (Ctrl+C included) go to the command. Without -t, Ctrl+C is passed to the command.
 */
export function registerExec(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('exec')
    .description('run a command in a running container')
    .argument('<name>', 'a pod name, or TYPE/NAME for one pod of a workload (deploy/web, sts/db)')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-c, --container <name>', 'the container (required when the pod has several)')
    .option('-i, --stdin', "pass this terminal's stdin to the command")
    .option('-t, --tty', 'run the command on a terminal (needs a terminal on stdin)')
    .action(async (name: string, argv: string[], options: ExecOptions, command: Command) => {
      await requireHost();
      const client = await agentFor(command, io);
      const record = await resolvePod(client, globalOptions(command).namespace, name, (m) =>
        io.stderr.write(m),
      );
      const container = pickContainer(record, options.container);
      const st = statusOf(record, container);
      if (record.released || st?.state.running === undefined) {
        throw new PodkitError(
          CliErrorCode.CLI_CONTAINER_NOT_RUNNING,
          `container ${container} of pod ${record.name} is not running (${record.released ? `the pod ended: ${record.status.phase}` : containerStatusText(st)})`,
          { hint: `\`podkit describe ${record.name}\` shows its state` },
        );
      }
      const stdin = process.stdin;
      const terminal = stdin.isTTY;
      let tty = options.tty === true;
      if (tty && !terminal) {
        io.stderr.write('Unable to use a TTY - input is not a terminal\n');
        tty = false;
      }
      const withInput = options.stdin === true;
      const session = client.exec(
        {
          namespace: record.namespace,
          name: record.name,
          container,
          tty: tty ? '1' : undefined,
          stdin: withInput || tty ? '1' : undefined,
          rows: tty ? String(process.stdout.rows) : undefined,
          cols: tty ? String(process.stdout.columns) : undefined,
        },
        argv,
        {
          stdout: (d) => process.stdout.write(d),
          stderr: (d) => process.stderr.write(d),
        },
      );
      const source = io.signals ?? process;
      const forward = (sig: NodeJS.Signals): void => {
        session.signal(sig);
      };
      const onData = (d: Buffer): void => {
        session.write(d);
      };
      const onEnd = (): void => {
        session.endInput();
      };
      if (withInput || tty) {
        if (tty) stdin.setRawMode(true);
        stdin.on('data', onData);
        stdin.once('end', onEnd);
        stdin.resume();
      }
      source.on('SIGINT', forward);
      source.on('SIGTERM', forward);
      try {
        const exit = await session.done;
        if (exit.runcError !== undefined) io.stderr.write(`podkit: ${exit.runcError}\n`);
        state.exitCode = execExitCode({ code: exit.code, signal: null, runcError: exit.runcError });
      } finally {
        source.off('SIGINT', forward);
        source.off('SIGTERM', forward);
        if (withInput || tty) {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          if (tty) stdin.setRawMode(false);
          stdin.pause();
        }
      }
    });
}
