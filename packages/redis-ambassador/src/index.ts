/** @podkit/redis-ambassador: a read/write-splitting Redis proxy for the ambassador pattern. */
export { createAmbassador, type Ambassador, type AmbassadorOptions } from './router/ambassador.js';
export type { ReadFrom } from './router/session.js';
export type { PasswordSource } from './router/control.js';
export {
  AmbassadorMetrics,
  type RouterMetrics,
  type TopologyMetrics,
  type RouteLabel,
} from './metrics.js';
export {
  Topology,
  type TopologyMode,
  type TopologyOptions,
  type TopologyLog,
} from './topology/topology.js';
export { parseEndpoint, formatEndpoint, type Endpoint } from './router/address.js';
export {
  RequestFramer,
  ReplyFramer,
  protocolErrorReply,
  type FrameEvent,
  type FramePiece,
  type FrameError,
  type FramerLimits,
} from './resp/framer.js';
export {
  CommandTable,
  classifyCommand,
  parseCommandInfo,
  type CommandSpec,
  type CommandRoute,
  type RouteClass,
} from './commands/classify.js';
export { BUILTIN_COMMANDS, BUILTIN_TABLE_VERSION } from './commands/builtin-table.js';
export { ambassadorError, AmbassadorErrorCode } from './errors.js';
