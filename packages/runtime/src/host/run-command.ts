import { spawn, type StdioOptions } from 'node:child_process';
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

/**
 * Runs `argv` (no shell) in its own process group and collects its output. Aborting the signal
 * SIGKILLs the whole group.
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
  const stdio: StdioOptions = [
    options.input === undefined ? 'ignore' : 'pipe',
    options.stdout ?? 'pipe',
    options.stderr ?? 'pipe',
  ];
  const child = spawn(file, args, {
    stdio,
    detached: true,
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  if (options.input !== undefined && child.stdin) {
    // A plugin may exit before reading all of stdin; that EPIPE is not our error to report.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  }
  const onAbort = (): void => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { code, signal } = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
    }>((resolve, reject) => {
      child.once('error', reject);
      // 'close' (not 'exit') so that every byte of captured output has arrived.
      child.once('close', (c, s) => {
        resolve({ code: c, signal: s });
      });
    }).catch((cause: unknown) => {
      const e = cause as NodeJS.ErrnoException;
      throw runtimeError(
        e.code === 'ENOENT' ? RuntimeErrorCode.HOST_MISSING_TOOL : RuntimeErrorCode.COMMAND_FAILED,
        e.code === 'ENOENT' ? `${file}: command not found` : `${file}: ${e.message}`,
        { cause, hint: e.code === 'ENOENT' ? 'run: bash scripts/setup.sh' : undefined },
      );
    });
    options.signal?.throwIfAborted();
    const result: CommandResult = {
      code: code ?? 128,
      signal,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
    if (result.code !== 0 && options.allowFailure !== true) {
      throw runtimeError(
        RuntimeErrorCode.COMMAND_FAILED,
        `${argv.join(' ')} failed (exit ${signal ?? String(result.code)}): ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return result;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
