/**
 * The error catalogue of @podkit/runtime: every code the runtime throws, declared once here
 * (each has a row in docs/errors.md, where its meaning is). Throw `RuntimeErrorCode.X`, never
 * a string literal; the factories below narrow the codes a part of the runtime may use.
 */
import { PodkitError } from '@podkit/kit';
import { formatDiagnostic, type Diagnostic } from './spec/diagnostic.js';

export const RuntimeErrorCode = {
  // Manifests (`spec/`).
  POD_SPEC_INVALID: 'POD_SPEC_INVALID',
  POD_MANIFEST_UNREADABLE: 'POD_MANIFEST_UNREADABLE',
  POD_QUANTITY_INVALID: 'POD_QUANTITY_INVALID',
  // Pods (`pod/`): admission, the worker, clean-up.
  POD_ADMISSION_FAILED: 'POD_ADMISSION_FAILED',
  POD_NOT_FOUND: 'POD_NOT_FOUND',
  POD_CLEANUP_FAILED: 'POD_CLEANUP_FAILED',
  /** A pod whose worker ended (released) or that this runtime does not supervise: no write. */
  POD_RELEASED: 'POD_RELEASED',
  // Services (`services/`): ClusterIPs, NodePorts, endpoints.
  SERVICE_INVALID: 'SERVICE_INVALID',
  SERVICE_NOT_FOUND: 'SERVICE_NOT_FOUND',
  // Workloads (`workloads/`): Deployments and ReplicaSets.
  WORKLOAD_INVALID: 'WORKLOAD_INVALID',
  WORKLOAD_NOT_FOUND: 'WORKLOAD_NOT_FOUND',
  // PersistentVolumeClaims (`claims/`): directories under the state root.
  CLAIM_INVALID: 'CLAIM_INVALID',
  CLAIM_NOT_FOUND: 'CLAIM_NOT_FOUND',
  CLAIM_IN_USE: 'CLAIM_IN_USE',
  // The node runtime (`node/`): one per state root, adopting what an earlier one left.
  AGENT_RUNNING: 'AGENT_RUNNING',
  AGENT_STOPPING: 'AGENT_STOPPING',
  CONTAINER_NOT_RUNNING: 'CONTAINER_NOT_RUNNING',
  /** A pod's port cannot be reached from inside its network namespace (port-forward). */
  PORT_FORWARD_FAILED: 'PORT_FORWARD_FAILED',
  // Volumes (`volumes/`).
  VOLUME_UNAVAILABLE: 'VOLUME_UNAVAILABLE',
  VOLUME_SUBPATH_INVALID: 'VOLUME_SUBPATH_INVALID',
  VOLUME_SUBPATH_ESCAPE: 'VOLUME_SUBPATH_ESCAPE',
  VOLUME_PATH_INVALID: 'VOLUME_PATH_INVALID',
  // The host (preflight), the state root, host commands, runc, the network, the sandbox.
  HOST_PREFLIGHT_FAILED: 'HOST_PREFLIGHT_FAILED',
  HOST_NOT_ROOT: 'HOST_NOT_ROOT',
  HOST_MISSING_TOOL: 'HOST_MISSING_TOOL',
  HOST_CGROUP_UNSUPPORTED: 'HOST_CGROUP_UNSUPPORTED',
  STATE_INVALID_ID: 'STATE_INVALID_ID',
  STATE_LOCKED: 'STATE_LOCKED',
  STATE_CORRUPT: 'STATE_CORRUPT',
  COMMAND_FAILED: 'COMMAND_FAILED',
  RUNC_FAILED: 'RUNC_FAILED',
  NETNS_FAILED: 'NETNS_FAILED',
  CNI_FAILED: 'CNI_FAILED',
  HOSTPORT_CONFLICT: 'HOSTPORT_CONFLICT',
  SANDBOX_FAILED: 'SANDBOX_FAILED',
  // Containers: the OCI config (`oci/`) and their start.
  CONTAINER_NO_COMMAND: 'CONTAINER_NO_COMMAND',
  CONTAINER_CAPABILITY_UNKNOWN: 'CONTAINER_CAPABILITY_UNKNOWN',
  CONTAINER_USER_INVALID: 'CONTAINER_USER_INVALID',
  CONTAINER_CONFIG_INVALID: 'CONTAINER_CONFIG_INVALID',
  CONTAINER_START_FAILED: 'CONTAINER_START_FAILED',
  // The local image store (`images/`), OCI content (`images/oci/`), the builder (`images/build/`).
  IMAGE_NAME_INVALID: 'IMAGE_NAME_INVALID',
  IMAGE_NOT_FOUND: 'IMAGE_NOT_FOUND',
  IMAGE_ROOTFS_INVALID: 'IMAGE_ROOTFS_INVALID',
  IMAGE_CONFIG_INVALID: 'IMAGE_CONFIG_INVALID',
  IMAGE_DIGEST_INVALID: 'IMAGE_DIGEST_INVALID',
  IMAGE_DIGEST_MISMATCH: 'IMAGE_DIGEST_MISMATCH',
  IMAGE_BLOB_MISSING: 'IMAGE_BLOB_MISSING',
  IMAGE_FORMAT_INVALID: 'IMAGE_FORMAT_INVALID',
  IMAGE_PLATFORM_NOT_FOUND: 'IMAGE_PLATFORM_NOT_FOUND',
  IMAGE_LAYER_UNSAFE: 'IMAGE_LAYER_UNSAFE',
  IMAGE_IN_USE: 'IMAGE_IN_USE',
  IMAGE_ROOTFS_MISSING: 'IMAGE_ROOTFS_MISSING',
  IMAGE_BUILD_INVALID: 'IMAGE_BUILD_INVALID',
  ROOTFS_MOUNT_FAILED: 'ROOTFS_MOUNT_FAILED',
  // The registry client (`images/registry/`).
  REGISTRY_IMAGE_NOT_FOUND: 'REGISTRY_IMAGE_NOT_FOUND',
  REGISTRY_AUTH_FAILED: 'REGISTRY_AUTH_FAILED',
  REGISTRY_TLS_FAILED: 'REGISTRY_TLS_FAILED',
  REGISTRY_UNREACHABLE: 'REGISTRY_UNREACHABLE',
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
  REGISTRY_ERROR: 'REGISTRY_ERROR',
  REGISTRY_CONFIG_INVALID: 'REGISTRY_CONFIG_INVALID',
  REGISTRY_AUTH_FILE_INVALID: 'REGISTRY_AUTH_FILE_INVALID',
  // Logs (`logs/`).
  LOG_NOT_FOUND: 'LOG_NOT_FOUND',
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

/** The runtime's host-facing codes (host checks, state root, runc, network, sandbox). */
export type HostRuntimeErrorCode = Extract<
  RuntimeErrorCode,
  | `HOST_${string}`
  | `STATE_${string}`
  | typeof RuntimeErrorCode.COMMAND_FAILED
  | typeof RuntimeErrorCode.RUNC_FAILED
  | typeof RuntimeErrorCode.NETNS_FAILED
  | typeof RuntimeErrorCode.CNI_FAILED
  | typeof RuntimeErrorCode.HOSTPORT_CONFLICT
  | typeof RuntimeErrorCode.SANDBOX_FAILED
>;

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

/** The Services' codes (`services/`): SERVICE_INVALID, SERVICE_NOT_FOUND. */
export type ServiceErrorCode = Extract<RuntimeErrorCode, `SERVICE_${string}`>;

/** Creates a PodkitError carrying one of the Services' codes. */
export function serviceError(
  code: ServiceErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/** The workloads' codes (`workloads/`): WORKLOAD_INVALID, WORKLOAD_NOT_FOUND. */
export type WorkloadErrorCode = Extract<RuntimeErrorCode, `WORKLOAD_${string}`>;

/** Creates a PodkitError carrying one of the workloads' codes. */
export function workloadError(
  code: WorkloadErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/** The claims' codes (`claims/`): CLAIM_INVALID, CLAIM_NOT_FOUND, CLAIM_IN_USE. */
export type ClaimErrorCode = Extract<RuntimeErrorCode, `CLAIM_${string}`>;

/** Creates a PodkitError carrying one of the claims' codes. */
export function claimError(
  code: ClaimErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
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
 * The image store's codes (load, import, unpack):
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
export type ImageErrorCode = Extract<RuntimeErrorCode, `IMAGE_${string}`>;

/** Creates a PodkitError carrying one of the image store's codes. */
export function imageError(
  code: ImageErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/**
 * The registry client's codes (`podkit image pull`, pulls by pod admission):
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
export type RegistryErrorCode = Extract<RuntimeErrorCode, `REGISTRY_${string}`>;

/** Creates a PodkitError carrying one of the registry client's codes. */
export function registryError(
  code: RegistryErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}

/**
 * The offline image builder's code (`podkit image build-node`):
 * - IMAGE_BUILD_INVALID: the Containerfile or package cannot be built offline (no node
 *   ENTRYPOINT into packages/, a missing dist/ or dependency, an unreadable host file).
 */
export type ImageBuildErrorCode = typeof RuntimeErrorCode.IMAGE_BUILD_INVALID;

/** Creates a PodkitError carrying one of the image builder's codes. */
export function imageBuildError(
  code: ImageBuildErrorCode,
  message: string,
  options: CodedErrorOptions = {},
): PodkitError {
  return codedError(code, message, options);
}
