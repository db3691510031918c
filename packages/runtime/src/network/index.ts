/** Pod networking: named network namespaces, CNI (bridge + portmap + loopback), hostPorts. */
export {
  NETNS_RUN_DIR,
  createNetns,
  deleteNetns,
  listNetns,
  netnsExists,
  netnsPath,
  prepareNetnsDir,
} from './netns.js';
export {
  invokeCniPlugin,
  type CniCommand,
  type CniInvocation,
  type CniResult,
} from './cni-plugin.js';
export {
  addPodNetwork,
  buildConflist,
  checkPodNetwork,
  defaultPodNetwork,
  listLeases,
  removePodNetwork,
  type PodAttachment,
  type PodNetworkConfig,
  type PodNetworkStatus,
  type PortMapping,
} from './pod-network.js';
export {
  addPodMasquerade,
  iptablesRulesOf,
  masqueradeChain,
  purgeIptablesRules,
  splitIptablesLine,
} from './nat-rules.js';
export {
  findHostPortConflicts,
  type HostPortConflict,
  type PublishedHostPort,
} from './host-ports.js';
