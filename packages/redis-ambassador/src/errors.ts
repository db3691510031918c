import { PodkitError } from '@podkit/kit';

/**
 * The redis-ambassador error catalogue: every code it throws, declared once (each has a row in
 * docs/errors.md).
 */
export const AmbassadorErrorCode = {
  /**
   * A peer sent bytes that are not valid RESP (the client gets Redis' own
   * `-ERR Protocol error: …` reply; a backend connection is dropped).
   */
  RESP_PROTOCOL: 'RESP_PROTOCOL',
  /** A backend node could not be reached or failed mid-request. */
  AMBASSADOR_UPSTREAM: 'AMBASSADOR_UPSTREAM',
  /** Invalid ambassador options (addresses, modes) or an address that cannot be bound. */
  AMBASSADOR_CONFIG: 'AMBASSADOR_CONFIG',
  /**
   * A client command the ambassador cannot carry; the client gets
   * `-ERR ambassador: <COMMAND> refused (AMBASSADOR_COMMAND_REFUSED): <why>` at once
   * ({@link refusedReply}).
   */
  AMBASSADOR_COMMAND_REFUSED: 'AMBASSADOR_COMMAND_REFUSED',
} as const;

export type AmbassadorErrorCode = (typeof AmbassadorErrorCode)[keyof typeof AmbassadorErrorCode];

/** Builds a PodkitError with one of the ambassador's stable codes. */
export function ambassadorError(
  code: AmbassadorErrorCode,
  message: string,
  options: { cause?: unknown; hint?: string } = {},
): PodkitError {
  return new PodkitError(code, message, options);
}

/**
 * The error reply to a command the ambassador refuses (`AMBASSADOR_COMMAND_REFUSED`), naming
 * the command and why.
 *
 * @example
 *   refusedReply('sync', 'a replication stream needs a connection with no reply outstanding')
 */
export function refusedReply(command: string, why: string): Buffer {
  const code: AmbassadorErrorCode = 'AMBASSADOR_COMMAND_REFUSED';
  return Buffer.from(`-ERR ambassador: ${command.toUpperCase()} refused (${code}): ${why}\r\n`);
}
