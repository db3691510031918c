/**
 * The error catalogue of @podkit/runtime. Every code here has a row in docs/errors.md; append
 * new codes (and their classes, when they carry data) below.
 */
import { PodkitError } from '@podkit/kit';
import { formatDiagnostic, type Diagnostic } from './spec/diagnostic.js';

export const RuntimeErrorCode = {
  /** A manifest failed validation; the error's `diagnostics` list every problem. */
  POD_SPEC_INVALID: 'POD_SPEC_INVALID',
  /** A manifest file could not be read (missing, a directory, no permission). */
  POD_MANIFEST_UNREADABLE: 'POD_MANIFEST_UNREADABLE',
  /** A resource quantity string (`500m`, `64Mi`) is not valid. */
  POD_QUANTITY_INVALID: 'POD_QUANTITY_INVALID',
} as const;

export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];

/**
 * Thrown by `assertValid` when a manifest set has at least one error. The message lists every
 * error, one formatted diagnostic a line; `diagnostics` holds them (warnings included).
 */
export class SpecInvalidError extends PodkitError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
    super(
      RuntimeErrorCode.POD_SPEC_INVALID,
      `invalid manifest (${count}):\n${errors.map(formatDiagnostic).join('\n')}`,
      { hint: 'fix the fields named above; `podkit validate FILE` checks a manifest' },
    );
    this.name = 'SpecInvalidError';
    this.diagnostics = diagnostics;
  }
}

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
