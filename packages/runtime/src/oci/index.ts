/** OCI runtime config: a pure builder plus the Kubernetes rules it relies on. */
export {
  buildOciConfig,
  milliCpuToShares,
  milliCpuToQuota,
  CFS_PERIOD_US,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  type BindMountPlan,
  type ContainerPlan,
  type HostFacts,
  type NamespaceSource,
  type OciConfig,
  type OciMount,
  type ResourcePlan,
  type SandboxFiles,
  type TmpfsPlan,
} from './config.js';
export {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  capabilitiesFromMask,
  capabilityMask,
  normaliseCapability,
  resolveCapabilities,
  type CapabilityOptions,
} from './capabilities.js';
export { resolveCommand, expandCommand, type CommandInput } from './command.js';
export { expandEnv, expandVariables, mergeEnv, type EnvEntry } from './expand-env.js';
export { resolveUser, type ProcessUser, type UserInput } from './user.js';
export {
  clampRlimits,
  parseProcLimits,
  readHostLimits,
  type HostLimits,
  type Rlimit,
} from './rlimits.js';
export {
  dockerSeccompToOci,
  loadRuntimeDefaultSeccomp,
  RUNTIME_DEFAULT_SECCOMP_PATH,
  type DockerSeccompProfile,
  type OciSeccomp,
} from './seccomp.js';
