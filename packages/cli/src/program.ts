import { Command } from 'commander';
import { registerValidate } from './commands/validate.js';
import type { CliIo } from './io.js';

/** What a command's action reports back to the runner. */
export interface CommandState {
  exitCode: number;
}

/**
 * Builds the `podkit` program. Each command lives in `src/commands/<name>.ts` and registers
 * itself here. Commander never exits the process: errors are thrown to the runner.
 */
export function buildProgram(io: CliIo, state: CommandState): Command {
  const program = new Command('podkit')
    .description('run Kubernetes Pods on one Linux machine, with kubelet semantics')
    .exitOverride()
    .showHelpAfterError('(run podkit --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerValidate(program, io, state);
  return program;
}
