import { PodkitError } from '@podkit/kit';

/** The CLI's error catalogue (rows in docs/errors.md). */
export const CliErrorCode = {
  /** Bad arguments or options: exit code 2. */
  CLI_USAGE: 'CLI_USAGE',
} as const;

/** A usage mistake (unknown option, missing argument, unreadable input file): exit 2. */
export class UsageError extends PodkitError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(CliErrorCode.CLI_USAGE, message, options);
    this.name = 'UsageError';
  }
}
