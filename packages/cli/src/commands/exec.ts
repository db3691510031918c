import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import { Runc, loadSandbox, type RuncExit } from '@podkit/runtime';
import { globalOptions, layoutFor, pickContainer, requireHost, requirePod } from '../context.js';
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
 * `podkit exec NAME [-c C] [-i] [-t] -- CMD…`: runs CMD in a running container (`runc exec`;
 * the container's env, user and working directory), with this process's stdout/stderr (and
 * stdin with -i), and exits with CMD's exit code.
 *
 * runc normally runs in its own process group (Ctrl+C is forwarded to it, and runc passes it
 * on to CMD). With a terminal on stdin and -i or -t, runc must instead be in the terminal's
 * foreground group, or reading the terminal and setting raw mode would stop it (SIGTTIN/
 * SIGTTOU); then runc gets the terminal's signals itself.
 */
export function registerExec(program: Command, io: CliIo, state: CommandState): void {
  program
    .command('exec')
    .description('run a command in a running container')
    .argument('<name>', 'pod name')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('-c, --container <name>', 'the container (required when the pod has several)')
    .option('-i, --stdin', "pass this terminal's stdin to the command")
    .option('-t, --tty', 'run the command on a terminal (needs a terminal on stdin)')
    .action(async (name: string, argv: string[], options: ExecOptions, command: Command) => {
      await requireHost();
      const layout = layoutFor(command, io);
      const record = await requirePod(layout, name, globalOptions(command).namespace);
      const container = pickContainer(record, options.container);
      const notRunning = (why: string): PodkitError =>
        new PodkitError(
          CliErrorCode.CLI_CONTAINER_NOT_RUNNING,
          `container ${container} of pod ${record.name} is not running (${why})`,
          { hint: `\`podkit describe ${record.name}\` shows its state` },
        );
      const st = statusOf(record, container);
      if (record.released || st?.state.running === undefined) {
        throw notRunning(
          record.released ? `the pod ended: ${record.status.phase}` : containerStatusText(st),
        );
      }
      const sandbox = await loadSandbox(layout, record.uid);
      if (sandbox === undefined) throw notRunning('no sandbox');
      const id = `${sandbox.id}-${container}`;
      const runc = new Runc({ root: layout.runcRoot });
      const runcState = await runc.state(id);
      if (runcState?.status !== 'running') throw notRunning(runcState?.status ?? 'gone');

      const terminal = process.stdin.isTTY;
      let tty = options.tty === true;
      if (tty && !terminal) {
        io.stderr.write('Unable to use a TTY - input is not a terminal\n');
        tty = false;
      }
      const source = io.signals ?? process;
      if (terminal && (tty || options.stdin === true)) {
        const child = spawn(
          runc.binary,
          ['--root', runc.root, 'exec', ...(tty ? ['--tty'] : []), id, ...argv],
          { stdio: 'inherit' },
        );
        // The terminal's signals reach runc directly; podkit itself must outlive them.
        const ignore = (): void => undefined;
        source.on('SIGINT', ignore);
        try {
          state.exitCode = await new Promise<number>((resolve) => {
            child.once('error', () => {
              resolve(127);
            });
            child.once('exit', (code) => {
              resolve(code ?? ExitCode.FAILURE);
            });
          });
        } finally {
          source.off('SIGINT', ignore);
        }
        return;
      }
      const proc = runc.exec(id, {
        args: argv,
        stdio: [options.stdin === true ? 'inherit' : 'ignore', 'inherit', 'inherit'],
      });
      const forward = (sig: NodeJS.Signals): void => {
        proc.child.kill(sig);
      };
      source.on('SIGINT', forward);
      source.on('SIGTERM', forward);
      try {
        const exit = await proc.exited;
        if (exit.runcError !== undefined) io.stderr.write(`podkit: ${exit.runcError}\n`);
        state.exitCode = execExitCode(exit);
      } finally {
        source.off('SIGINT', forward);
        source.off('SIGTERM', forward);
      }
    });
}
