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
