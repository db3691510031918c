import { PodkitError } from '@podkit/kit';

/**
 * The redis-ambassador error catalogue. Every code is listed in docs/errors.md.
 *
 * - `RESP_PROTOCOL`: a peer sent bytes that are not valid RESP (the client gets Redis' own
 *   `-ERR Protocol error: …` reply; a backend connection is dropped).
 * - `AMBASSADOR_UPSTREAM`: a backend node could not be reached or failed mid-request.
 * - `AMBASSADOR_CONFIG`: invalid ambassador options (addresses, modes).
 */
export type AmbassadorErrorCode = 'RESP_PROTOCOL' | 'AMBASSADOR_UPSTREAM' | 'AMBASSADOR_CONFIG';

/** Builds a PodkitError with one of the ambassador's stable codes. */
export function ambassadorError(
  code: AmbassadorErrorCode,
  message: string,
  options: { cause?: unknown; hint?: string } = {},
): PodkitError {
  return new PodkitError(code, message, options);
}
