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

/** What the error factories below take besides code and message. */
export interface CodedErrorOptions {
  cause?: unknown;
  hint?: string | undefined;
}

/** A PodkitError with `code`: the one body behind every factory of this catalogue. */
function codedError(code: string, message: string, options: CodedErrorOptions): PodkitError {
  const { cause, hint } = options;
  return new PodkitError(code, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(hint === undefined ? {} : { hint }),
  });
}

/** Creates a PodkitError carrying one of the runtime's codes. */
export function runtimeError(
  code: HostRuntimeErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/**
 * Stable codes of the OCI image store (load, import, unpack). Listed in docs/errors.md.
 * - IMAGE_DIGEST_INVALID: a digest is not `sha256:<64 hex>` (or an unsupported algorithm).
 * - IMAGE_DIGEST_MISMATCH: a blob's content does not match its digest or declared size.
 * - IMAGE_BLOB_MISSING: a blob an image needs is not in the store / the archive.
 * - IMAGE_FORMAT_INVALID: a manifest, index, config or archive is malformed or unsupported.
 * - IMAGE_PLATFORM_NOT_FOUND: an index has no manifest for linux/amd64.
 * - IMAGE_LAYER_UNSAFE: a layer tries to write outside its root, through a symlink, a device
 *   node in an unprivileged image, or breaks a size / entry-count limit; nothing is kept.
 * - IMAGE_IN_USE: `image rm` of an image a pod uses (without --force).
 * - IMAGE_ROOTFS_MISSING: a `--rootfs` image whose directory was removed since `image add`.
 */
export type ImageErrorCode =
  | 'IMAGE_DIGEST_INVALID'
  | 'IMAGE_DIGEST_MISMATCH'
  | 'IMAGE_BLOB_MISSING'
  | 'IMAGE_FORMAT_INVALID'
  | 'IMAGE_PLATFORM_NOT_FOUND'
  | 'IMAGE_LAYER_UNSAFE'
  | 'IMAGE_IN_USE'
  | 'IMAGE_ROOTFS_MISSING';

/** Creates a PodkitError carrying one of the image store's codes. */
export function imageError(
  code: ImageErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/**
 * Stable codes of the registry client (`podkit image pull`, pulls by pod admission). Listed in
 * docs/errors.md.
 * - REGISTRY_IMAGE_NOT_FOUND: the registry has no such repository, tag or digest.
 * - REGISTRY_AUTH_FAILED: the registry (or its token server) refused: 401/403.
 * - REGISTRY_TLS_FAILED: the TLS handshake failed (unknown CA, name mismatch, plain HTTP peer).
 * - REGISTRY_UNREACHABLE: connection failures that outlasted the retries.
 * - REGISTRY_UNAVAILABLE: 5xx / 429 answers that outlasted the retries.
 * - REGISTRY_ERROR: the registry broke the protocol (bad JSON, unexpected status, redirects).
 * - REGISTRY_CONFIG_INVALID: registries.json or a CA file is unreadable or malformed.
 * - REGISTRY_AUTH_FILE_INVALID: the docker-style auth file is unreadable or malformed.
 * A pod's image that cannot be had is a POD_ADMISSION_FAILED problem (ErrImageNeverPull,
 * ErrImagePull) or, for a restart, the container's Waiting reason (ErrImagePull,
 * ImagePullBackOff).
 */
export type RegistryErrorCode =
  | 'REGISTRY_IMAGE_NOT_FOUND'
  | 'REGISTRY_AUTH_FAILED'
  | 'REGISTRY_TLS_FAILED'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_ERROR'
  | 'REGISTRY_CONFIG_INVALID'
  | 'REGISTRY_AUTH_FILE_INVALID';

/** Creates a PodkitError carrying one of the registry client's codes. */
export function registryError(
  code: RegistryErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/**
 * Stable codes of the offline image builder (`podkit image build-node`). Listed in
 * docs/errors.md.
 * - IMAGE_BUILD_INVALID: the Containerfile or package cannot be built offline (no node
 *   ENTRYPOINT into packages/, a missing dist/ or dependency, an unreadable host file).
 */
export type ImageBuildErrorCode = 'IMAGE_BUILD_INVALID';

/** Creates a PodkitError carrying one of the image builder's codes. */
export function imageBuildError(
  code: ImageBuildErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}
