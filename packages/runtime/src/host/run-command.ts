import { isPodkitError, KitErrorCode, runGroup } from '@podkit/kit';
import { runtimeError, RuntimeErrorCode } from '../errors.js';

/** The outcome of a finished command. */
export interface CommandResult {
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCommandOptions {
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Buffer | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  signal?: AbortSignal | undefined;
  /** When false (default) a non-zero exit rejects with COMMAND_FAILED carrying stderr. */
  allowFailure?: boolean | undefined;
  /**
   * Where stdout/stderr go. Default: captured. Pass file descriptors when the command leaves a
   * process behind that inherits them (e.g. `runc run -d`): a captured pipe would then stay
   * open for as long as that process lives and the command would never look finished.
   */
  stdout?: 'pipe' | 'ignore' | number | undefined;
  stderr?: 'pipe' | 'ignore' | number | undefined;
}

/** Captured output beyond this fails the command: host tools print kilobytes, not this. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Runs `argv` (no shell) in its own process group, through kit's `runGroup`, and collects its
 * output. Aborting the signal SIGKILLs the whole group. The group is left alone after the
 * command exits: `runc run -d` leaves the container's init behind in it.
 *
 * @example
 *   const { stdout } = await runCommand(['ip', '-j', 'netns', 'list']);
 */
export async function runCommand(
  argv: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('runCommand: empty argv');
  options.signal?.throwIfAborted();
  let run;
  try {
    run = await runGroup(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      signal: options.signal,
      input: options.input,
      stdout: options.stdout,
      stderr: options.stderr,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      graceMs: 0,
      leaveGroup: true,
    });
  } catch (err) {
    if (!isPodkitError(err, KitErrorCode.KIT_SPAWN_FAILED)) throw err;
    const e = err.cause as NodeJS.ErrnoException;
    throw runtimeError(
      e.code === 'ENOENT' ? RuntimeErrorCode.HOST_MISSING_TOOL : RuntimeErrorCode.COMMAND_FAILED,
      e.code === 'ENOENT' ? `${file}: command not found` : `${file}: ${e.message}`,
      { cause: e, hint: e.code === 'ENOENT' ? 'run: bash scripts/setup.sh' : undefined },
    );
  }
  options.signal?.throwIfAborted();
  if (run.stoppedFor === 'output') {
    throw runtimeError(
      RuntimeErrorCode.COMMAND_FAILED,
      `${argv.join(' ')} printed more than ${MAX_OUTPUT_BYTES} bytes and was killed`,
    );
  }
  const { signal } = run;
  const result: CommandResult = {
    code: run.code ?? 128,
    signal,
    stdout: run.stdout,
    stderr: run.stderr,
  };
  if (result.code !== 0 && options.allowFailure !== true) {
    throw runtimeError(
      RuntimeErrorCode.COMMAND_FAILED,
      `${argv.join(' ')} failed (exit ${signal ?? String(result.code)}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}
