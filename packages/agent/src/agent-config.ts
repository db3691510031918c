import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AgentErrorCode, agentError } from './errors.js';

/**
 * `<root>/agent.json`: the agent's settings that a state root keeps (flags win over them).
 *
 * @example
 *   { "apiPort": 16443 }                        // the Kubernetes API's port
 *   { "apiAddress": "0.0.0.0" }                 // listen beyond loopback (asked for explicitly)
 */
export interface AgentConfig {
  apiPort?: number | undefined;
  apiAddress?: string | undefined;
}

export function agentConfigPath(root: string): string {
  return path.join(root, 'agent.json');
}

export async function loadAgentConfig(root: string): Promise<AgentConfig> {
  const file = agentConfigPath(root);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw agentError(AgentErrorCode.AGENT_BAD_REQUEST, `${file} is not JSON`, { cause });
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const out: AgentConfig = {};
  if (v.apiPort !== undefined) {
    if (
      typeof v.apiPort !== 'number' ||
      !Number.isInteger(v.apiPort) ||
      v.apiPort < 1 ||
      v.apiPort > 65535
    )
      throw agentError(
        AgentErrorCode.AGENT_BAD_REQUEST,
        `${file}: apiPort must be a port number (1-65535)`,
      );
    out.apiPort = v.apiPort;
  }
  if (v.apiAddress !== undefined) {
    if (typeof v.apiAddress !== 'string' || v.apiAddress === '')
      throw agentError(
        AgentErrorCode.AGENT_BAD_REQUEST,
        `${file}: apiAddress must be an IP address`,
      );
    out.apiAddress = v.apiAddress;
  }
  return out;
}
