import { HelpRequested } from './config.js';
import { KitErrorCode, PodkitError } from './errors.js';
import type { Logger } from './logger.js';
import {
  ShutdownRequested,
  createShutdown,
  type Shutdown,
  type ShutdownHandler,
  type ShutdownOptions,
} from './shutdown.js';

export interface MainContext {
  /** Aborts when shutdown starts: stop accepting work and return from `main`. */
  readonly signal: AbortSignal;
  readonly shutdown: Shutdown;
  /** Same as `shutdown.onShutdown`. */
  onShutdown(handler: ShutdownHandler, name?: string): () => void;
}

/** `main` may return (or resolve to) a number: the exit code; anything else means 0. */
export type Main = (ctx: MainContext) => unknown;

export interface RunOptions extends ShutdownOptions {
  /** The program name, prefixed to error messages. */
  name: string;
  /** Extra error code → exit code mappings (KIT_USAGE/KIT_CONFIG_INVALID → 2 are built in). */
  exitCodes?: Readonly<Record<string, number>>;
  stdout?: { write(s: string): unknown };
  stderr?: { write(s: string): unknown };
  logger?: Logger;
}

const BUILTIN_EXIT_CODES: Readonly<Record<string, number>> = {
  [KitErrorCode.KIT_USAGE]: 2,
  [KitErrorCode.KIT_CONFIG_INVALID]: 2,
  [KitErrorCode.KIT_HELP]: 0,
  [KitErrorCode.KIT_VERSION]: 0,
};

/** The exit code for an error: usage and config errors 2, help/version 0, anything else 1. */
export function exitCodeFor(err: unknown, extra: Readonly<Record<string, number>> = {}): number {
  if (err instanceof PodkitError) return extra[err.code] ?? BUILTIN_EXIT_CODES[err.code] ?? 1;
  return 1;
}

function describe(err: unknown, name: string): string {
  if (err instanceof PodkitError) {
    // Expected failures: the message and hint are the whole story; a stack would only scare.
    const hint = err.hint === undefined ? '' : `\nhint: ${err.hint}`;
    const cause =
      err.cause instanceof Error && !(err.cause instanceof PodkitError)
        ? `\ncause: ${err.cause.message}`
        : '';
    return `${name}: ${err.message}${cause}${hint}\n`;
  }
  // Unexpected: a bug or an unhandled library error, where the stack is what helps.
  return `${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`;
}

/**
 * Runs a program's `main` with graceful shutdown and returns the exit code, without exiting:
 * `main`'s own number (or 0); 2 for usage/config errors, 0 after printing `--help`; 1 for any
 * other error, a failed cleanup step, a shutdown past its deadline or a forced one.
 */
export async function runProgram(main: Main, options: RunOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const shutdown = createShutdown(options);
  const ctx: MainContext = {
    signal: shutdown.signal,
    shutdown,
    onShutdown: (h, n) => shutdown.onShutdown(h, n),
  };
  let result: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  const settled = Promise.resolve()
    .then(() => main(ctx))
    .then(
      (value) => {
        result = { ok: true, value };
      },
      (error: unknown) => {
        result = { ok: false, error };
      },
    );
  // Registered first, so it runs last: after a signal, cleanup waits for main to return.
  shutdown.onShutdown(() => settled, 'main');
  // A main that only awaits `ctx.signal` holds nothing on the event loop, and Node would
  // exit 0 under it; this keeps the process alive until main returns or shutdown ends.
  const keepAlive = setInterval(() => undefined, 1 << 30);

  await Promise.race([settled, shutdown.done]);
  shutdown.trigger(result?.ok === false ? 'main failed' : 'main returned');
  const outcome = await shutdown.done;
  clearInterval(keepAlive);
  shutdown[Symbol.dispose]();

  let code = 0;
  if (result?.ok === true && typeof result.value === 'number') code = result.value;
  if (result?.ok === false) {
    const err = result.error;
    const isAbort =
      shutdown.signal.aborted &&
      (err === shutdown.signal.reason ||
        err instanceof ShutdownRequested ||
        (err instanceof Error && err.name === 'AbortError'));
    if (err instanceof HelpRequested) {
      stdout.write(err.text);
    } else if (!isAbort) {
      if (exitCodeFor(err, options.exitCodes) >= 2 || err instanceof PodkitError) {
        options.logger?.error({ err }, 'failed');
      } else {
        options.logger?.fatal({ err }, 'crashed');
      }
      stderr.write(describe(err, options.name));
      code = exitCodeFor(err, options.exitCodes);
    }
  }
  switch (outcome.kind) {
    case 'clean':
      break;
    case 'handler-failed':
      for (const f of outcome.failures) {
        stderr.write(
          `${options.name}: shutdown step "${f.name}" failed: ${describe(f.error, f.name)}`,
        );
      }
      if (code === 0) code = 1;
      break;
    case 'deadline-exceeded':
      stderr.write(
        `${options.name}: shutdown deadline exceeded: not finished after ${outcome.deadlineMs} ms (still running: ${outcome.pending.join(', ')})\n`,
      );
      if (code === 0) code = 1;
      break;
    case 'forced':
      stderr.write(`${options.name}: shutdown forced by a second ${outcome.reason}\n`);
      if (code === 0) code = 1;
      break;
  }
  return code;
}

/**
 * The entry point of a bin: `runProgram`, then `process.exit` with its code (the one place
 * that exits, so a hung cleanup step cannot keep the process alive past its deadline).
 *
 * @example
 *   void runMain(async (ctx) => {
 *     const cfg = parseConfig(spec, process.argv.slice(2), process.env);
 *     await using http = await startHealthServer({ port: cfg.httpPort });
 *     await once(ctx.signal, 'abort');
 *   }, { name: 'podkit-example' });
 */
export async function runMain(main: Main, options: RunOptions): Promise<never> {
  let code: number;
  try {
    code = await runProgram(main, options);
  } catch (err) {
    (options.stderr ?? process.stderr).write(describe(err, options.name));
    code = 1;
  }
  process.exit(code);
}
