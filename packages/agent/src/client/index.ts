/** The agent's client, for the CLI: light (Node's modules only), no runtime. */
export { AgentClient, type ExecIo, type ExecResult, type ExecSession } from './agent-client.js';
export { ensureAgent } from './ensure-agent.js';
export { agentLogPath, agentSocketPath, type AgentInfo } from '../protocol.js';
export { AgentErrorCode } from '../errors.js';
export { manifestVerdict, workloadsOf } from '../manifest-verdict.js';
export type {
  AppliedService,
  ApplyLine,
  ApplyRequest,
  ApplyResult,
  ManifestFile,
  ManifestVerdict,
} from '../apply-wire.js';
