/** @podkit/agent — the node agent: one process per machine that runs every pod. */
export { startAgent, type AgentOptions, type RunningAgent } from './agent.js';
export { agentLogPath, agentSocketPath, type AgentInfo } from './protocol.js';
export type {
  AppliedService,
  ApplyLine,
  ApplyRequest,
  ApplyResult,
  ManifestFile,
  ManifestVerdict,
} from './apply-wire.js';
