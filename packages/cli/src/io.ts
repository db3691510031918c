import type { SignalSource } from '@podkit/kit';

/** Where the CLI writes, and what it knows of its terminal: injected so tests can capture it. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** True when stdout is a terminal (colours are only used then). */
  isTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Where Ctrl+C (SIGINT) and SIGTERM come from (default: the process); tests inject one. */
  signals?: SignalSource | undefined;
  /**
   * Aborted once stdout's reader went away (`podkit logs NAME | head -1`): a command that keeps
   * writing (logs, logs -f) stops then and ends successfully, as `kubectl logs | head` does.
   */
  stdoutClosed?: AbortSignal | undefined;
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Node leaves isTTY undefined on a pipe (its type says boolean), and picocolors reads an
    // undefined `enabled` as "detect", which says yes whenever $CI is set.
    isTTY: (process.stdout.isTTY as boolean | undefined) === true,
    env: process.env,
    signals: process,
    stdoutClosed: readerGone(process.stdout),
  };
}

/**
 * A signal aborted when writing to `stream` fails with EPIPE (its reader closed). That error is
 * then handled, so it no longer crashes the process with a stack trace; any other write error
 * still does.
 */
export function readerGone(stream: NodeJS.WritableStream): AbortSignal {
  const gone = new AbortController();
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    gone.abort();
  });
  return gone.signal;
}
