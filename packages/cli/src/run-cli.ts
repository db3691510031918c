import { CommanderError } from 'commander';
import { isPodkitError } from '@podkit/kit';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';
import { buildProgram, type CommandState } from './program.js';

/**
 * Runs `podkit` with `argv` (without node and script) and returns the exit code. User
 * mistakes are printed as one clear message (and a hint); only bugs print a stack trace.
 *
 * @example
 *   const code = await runCli(['validate', 'pod.yaml'], processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const state: CommandState = { exitCode: ExitCode.OK };
  try {
    const program = await buildProgram(io, state, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message; help and --version end successfully.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (isPodkitError(err)) {
      io.stderr.write(`podkit: ${err.message}\n`);
      if (err.hint !== undefined) io.stderr.write(`hint: ${err.hint}\n`);
      return exitCodeFor(err);
    }
    io.stderr.write(
      `podkit: internal error (a bug in podkit):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return ExitCode.INTERNAL;
  }
}
