import { PodkitError } from '@podkit/kit';

/**
 * The agent's error catalogue: its channel's own failures (every code has a row in
 * docs/errors.md). Errors of the work it does for the CLI keep the runtime's codes.
 */
export const AgentErrorCode = {
  /** The agent the CLI started exited or did not answer in time. */
  AGENT_START_FAILED: 'AGENT_START_FAILED',
  /** The connection to the agent broke. */
  AGENT_LOST: 'AGENT_LOST',
  /** The agent's socket cannot be reached as this user. */
  AGENT_ACCESS_DENIED: 'AGENT_ACCESS_DENIED',
  /** A request body was not JSON, or not the shape the call takes. */
  AGENT_BAD_REQUEST: 'AGENT_BAD_REQUEST',
  /** A call the agent does not have (CLI and agent of different versions). */
  AGENT_NO_SUCH_CALL: 'AGENT_NO_SUCH_CALL',
  /** An answer the client cannot read. */
  AGENT_PROTOCOL: 'AGENT_PROTOCOL',
  /** A bug in the agent. */
  AGENT_INTERNAL: 'AGENT_INTERNAL',
  /** The Service proxy needs `nft` (Debian's nftables), which is not installed. */
  PROXY_NFT_MISSING: 'PROXY_NFT_MISSING',
  /** `nft` refused or failed a transaction of the Service proxy's table. */
  PROXY_NFT_FAILED: 'PROXY_NFT_FAILED',
  /** A Service view (or a table name) that cannot become nftables rules. */
  PROXY_VIEW_INVALID: 'PROXY_VIEW_INVALID',
  /** `sync` on a Service proxy that was closed. */
  PROXY_CLOSED: 'PROXY_CLOSED',
  /** The cluster DNS server cannot listen on its address (taken, not on this machine, no right). */
  DNS_LISTEN_FAILED: 'DNS_LISTEN_FAILED',
  /** A cluster view given to the DNS server has a name or address DNS cannot carry (a bug). */
  DNS_VIEW_INVALID: 'DNS_VIEW_INVALID',
  /** The Kubernetes API refused a request (its meta/v1 Status says why: 4xx/5xx, reason). */
  KUBE_API_REJECTED: 'KUBE_API_REJECTED',
  /** The Kubernetes API cannot listen on the port asked for (taken, or no right). */
  KUBE_API_LISTEN_FAILED: 'KUBE_API_LISTEN_FAILED',
  /** The API's CA, certificate, key or token under the state root is unreadable or unsafe. */
  KUBE_API_CREDENTIALS: 'KUBE_API_CREDENTIALS',
  /** The agent does not serve the Kubernetes API (it could not listen; its log says why). */
  KUBE_API_NOT_SERVED: 'KUBE_API_NOT_SERVED',
  /** A SPDY/3.1 peer (kubectl port-forward) broke the framing or the header compression. */
  SPDY_PROTOCOL: 'SPDY_PROTOCOL',
} as const;

export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

/** Builds a PodkitError with one of the agent's stable codes. */
export function agentError(
  code: AgentErrorCode,
  message: string,
  options: { cause?: unknown; hint?: string } = {},
): PodkitError {
  return new PodkitError(code, message, options);
}
