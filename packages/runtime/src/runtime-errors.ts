import { PodkitError } from '@podkit/kit';

/**
 * Stable codes of the runtime's host-facing errors (host checks, state root, runc, network,
 * sandbox). Every code is listed in docs/errors.md; the CLI maps them to exit codes.
 */
export type HostRuntimeErrorCode =
  | 'HOST_PREFLIGHT_FAILED'
  | 'HOST_NOT_ROOT'
  | 'HOST_MISSING_TOOL'
  | 'HOST_CGROUP_UNSUPPORTED'
  | 'STATE_INVALID_ID'
  | 'STATE_LOCKED'
  | 'STATE_CORRUPT'
  | 'COMMAND_FAILED'
  | 'RUNC_FAILED'
  | 'NETNS_FAILED'
  | 'CNI_FAILED'
  | 'HOSTPORT_CONFLICT'
  | 'SANDBOX_FAILED';

/** Creates a PodkitError carrying one of the runtime's codes. */
export function runtimeError(
  code: HostRuntimeErrorCode,
  message: string,
  options: { cause?: unknown; hint?: string | undefined } = {},
): PodkitError {
  const { cause, hint } = options;
  return new PodkitError(code, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(hint === undefined ? {} : { hint }),
  });
}
