/** @podkit/kit — building blocks every pattern container shares. */
export { PodkitError, isPodkitError, KitErrorCode } from './errors.js';
export {
  Backoff,
  backoffDelay,
  type BackoffPolicy,
  type BackoffState,
  type BackoffOptions,
} from './backoff.js';
export { CoalescedLoop } from './coalesced-loop.js';
export { parseDuration, tryParseDuration, formatDuration, type DurationParse } from './duration.js';
export {
  defineConfig,
  parseConfig,
  helpText,
  configToLog,
  secretKeys,
  suggest,
  standardOptions,
  LOG_LEVELS,
  ConfigError,
  UsageError,
  HelpRequested,
  type ConfigOf,
  type ConfigSpec,
  type ConfigSpecInput,
  type ConfigProblem,
  type OptionSpec,
  type OptionValue,
  type ResolvedOption,
  type HostPort,
  type StringOption,
  type IntOption,
  type NumberOption,
  type BooleanOption,
  type DurationOption,
  type EnumOption,
  type ListOption,
  type HostPortOption,
  type CustomOption,
} from './config.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export {
  startHealthServer,
  readBody,
  HttpError,
  type HealthServer,
  type HealthServerOptions,
  type HealthChecks,
  type Check,
  type CheckResult,
  type RouteHandler,
} from './health-server.js';
export {
  createShutdown,
  ShutdownRequested,
  type Shutdown,
  type ShutdownHandler,
  type ShutdownOptions,
  type ShutdownOutcome,
  type SignalSource,
} from './shutdown.js';
export {
  runMain,
  runProgram,
  exitCodeFor,
  type Main,
  type MainContext,
  type RunOptions,
} from './run-main.js';
export {
  spawnGroup,
  startGroup,
  type ProcessGroup,
  type StartingGroup,
  type SpawnGroupOptions,
  type StopOptions,
  type ExitStatus,
} from './process-group.js';
export {
  runGroup,
  runCommand,
  CommandError,
  type RunGroupOptions,
  type GroupRun,
  type OutputTarget,
  type RunCommandOptions,
  type CommandResult,
} from './run-group.js';
