/** The runc CLI wrapper. */
export {
  Runc,
  runcMessage,
  type RuncContainerState,
  type RuncCreateOptions,
  type RuncExecOptions,
  type RuncExit,
  type RuncOptions,
  type RuncProcess,
  type RuncStdio,
} from './runc.js';
