import { isPodkitError } from '@podkit/kit';

/** Exit codes of `podkit`. */
export const ExitCode = {
  OK: 0,
  /** The command ran and found a problem (an invalid manifest, a failed pod). */
  FAILURE: 1,
  /** The command was used wrongly: unknown option, missing or unreadable file. */
  USAGE: 2,
  /** A bug in podkit (an unexpected exception): reported with its stack. */
  INTERNAL: 70,
} as const;

const USAGE_CODES = new Set([
  'CLI_USAGE',
  'POD_MANIFEST_UNREADABLE',
  // Bad `podkit image add` input (docs/errors.md lists both with exit 2).
  'IMAGE_ROOTFS_INVALID',
  'IMAGE_CONFIG_INVALID',
  // `podkit image build-node` of something it cannot build (a non-node ENTRYPOINT, no dist/).
  'IMAGE_BUILD_INVALID',
]);

/** The exit code for an error thrown by a command, from its stable code. */
export function exitCodeFor(err: unknown): number {
  if (!isPodkitError(err)) return ExitCode.INTERNAL;
  return USAGE_CODES.has(err.code) ? ExitCode.USAGE : ExitCode.FAILURE;
}
