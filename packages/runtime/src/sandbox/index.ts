/**
 * Pod sandboxes (netns + CNI, pinned ipc/uts or a pause container, per-pod /etc files and
 * /dev/shm) and gc.
 */
export type { Sandbox, SandboxInfra, SandboxNetwork } from './sandbox-record.js';
export { containerRuncId } from './sandbox-record.js';
export {
  DEFAULT_SHM_SIZE_BYTES,
  checkHostPorts,
  createSandbox,
  destroySandbox,
  hostPortConflictError,
  listSandboxes,
  loadSandbox,
  netnsNameFor,
  publishedHostPorts,
  rootTag,
  sandboxIdFor,
  type CreateSandboxOptions,
} from './sandbox.js';
export {
  buildEtcHosts,
  buildResolvConf,
  parseResolvConf,
  type HostAlias,
  type PodDnsConfig,
  type ResolvConf,
} from './etc-files.js';
export { collectGarbage, listLeftovers, type GcOptions, type Leftover } from './gc.js';
export { snapshotHostResources, vethsOn, type HostResourceSnapshot } from './host-snapshot.js';
