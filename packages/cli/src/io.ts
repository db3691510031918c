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
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY,
    env: process.env,
    signals: process,
  };
}
