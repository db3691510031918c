/**
 * The kit's error catalogue: every code kit throws, declared once (rows in docs/errors.md).
 * Each package declares its own catalogue the same way, `<Package>ErrorCode`, with keys equal
 * to the stable code strings, and throws only codes from it.
 */
export const KitErrorCode = {
  /** A flag or env var has a bad value (`ConfigError`): exit 2. */
  KIT_CONFIG_INVALID: 'KIT_CONFIG_INVALID',
  /** A malformed command line (`UsageError`): exit 2. */
  KIT_USAGE: 'KIT_USAGE',
  /** `--help`/`-h` was given (`HelpRequested`): exit 0 after printing. */
  KIT_HELP: 'KIT_HELP',
  /** `--version` was given (`HelpRequested`): exit 0 after printing. */
  KIT_VERSION: 'KIT_VERSION',
  /** A config declaration itself is wrong (a bug in the component). */
  KIT_CONFIG_SPEC: 'KIT_CONFIG_SPEC',
  /** `parseDuration` got text that is not a Go duration. */
  KIT_DURATION_INVALID: 'KIT_DURATION_INVALID',
  /** A health-server route key is not `METHOD /path`, or is declared twice. */
  KIT_HTTP_ROUTE_INVALID: 'KIT_HTTP_ROUTE_INVALID',
  /** The health server cannot listen on its address. */
  KIT_HTTP_LISTEN: 'KIT_HTTP_LISTEN',
  /** `readBody`: a request body over its limit (answered 413). */
  KIT_HTTP_BODY_TOO_LARGE: 'KIT_HTTP_BODY_TOO_LARGE',
  /** Shutdown was requested (a signal); not a failure. */
  KIT_SHUTDOWN: 'KIT_SHUTDOWN',
  /** The shutdown deadline passed (the abort reason of cleanup steps still running). */
  KIT_SHUTDOWN_DEADLINE: 'KIT_SHUTDOWN_DEADLINE',
  /** A child process could not be started (not installed, not on PATH, bad cwd). */
  KIT_SPAWN_FAILED: 'KIT_SPAWN_FAILED',
  /** `runCommand`: the command exited non-zero or was killed by a signal. */
  KIT_COMMAND_FAILED: 'KIT_COMMAND_FAILED',
  /** `runCommand`: the command ran past `timeoutMs` and its group was killed. */
  KIT_COMMAND_TIMEOUT: 'KIT_COMMAND_TIMEOUT',
  /** `runCommand`: the command printed more than `maxOutputBytes` and was killed. */
  KIT_COMMAND_OUTPUT_LIMIT: 'KIT_COMMAND_OUTPUT_LIMIT',
  /** A backoff policy is impossible, or a saved backoff state is corrupt. */
  KIT_BACKOFF_INVALID: 'KIT_BACKOFF_INVALID',
} as const;

export type KitErrorCode = (typeof KitErrorCode)[keyof typeof KitErrorCode];

/**
 * The base of every podkit error: a stable machine-readable `code`, a message a user can act
 * on, an optional `hint` (what to do), and the underlying `cause`.
 *
 * @example
 *   throw new PodkitError('KIT_CONFIG_INVALID', '--period: expected a duration, got "soon"', {
 *     hint: 'use a number with a unit, e.g. 10s or 500ms',
 *   });
 */
export class PodkitError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PodkitError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** True when `err` is a PodkitError (or carries one of its codes). */
export function isPodkitError(err: unknown, code?: string): err is PodkitError {
  return err instanceof PodkitError && (code === undefined || err.code === code);
}
