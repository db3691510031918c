/** Host checks and the process runner the runtime uses. */
export {
  DEFAULT_CNI_PLUGIN_DIR,
  HostPreflightError,
  REQUIRED_CNI_PLUGINS,
  detectCgroupLayout,
  preflight,
  which,
  type CgroupLayout,
  type HostInfo,
  type HostProblem,
  type PreflightOptions,
} from './preflight.js';
export { runCommand, type CommandResult, type RunCommandOptions } from './run-command.js';
export { isMountPoint, mountPoints, mountsUnder, mountTmpfs, unmountAll } from './mounts.js';
