import { PodkitError } from '@podkit/kit';

/**
 * The redis-ambassador error catalogue. Every code is listed in docs/errors.md.
 *
 * - `RESP_PROTOCOL`: a peer sent bytes that are not valid RESP (the client gets Redis' own
 *   `-ERR Protocol error: …` reply; a backend connection is dropped).
 * - `AMBASSADOR_UPSTREAM`: a backend node could not be reached or failed mid-request.
 * - `AMBASSADOR_CONFIG`: invalid ambassador options (addresses, modes).
 * - `AMBASSADOR_COMMAND_REFUSED`: a client command the ambassador cannot carry; the client gets
 *   `-ERR ambassador: <COMMAND> refused (AMBASSADOR_COMMAND_REFUSED): <why>` at once
 *   ({@link refusedReply}).
 */
export type AmbassadorErrorCode =
  'RESP_PROTOCOL' | 'AMBASSADOR_UPSTREAM' | 'AMBASSADOR_CONFIG' | 'AMBASSADOR_COMMAND_REFUSED';

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
