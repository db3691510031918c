/**
 * The node's Service proxy (kube-proxy's job, nftables mode): ClusterIP and NodePort NAT in
 * one nftables table the agent owns, replaced whole on every sync and removed whole.
 */
export {
  checkProxyView,
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  hasClusterIP,
  type EndpointView,
  type ProxyView,
  type ServicePortView,
  type ServiceProtocol,
  type ServiceView,
} from './proxy-view.js';
export {
  checkTableName,
  endpointNames,
  MASQUERADE_MARK,
  serviceChainName,
  serviceRules,
  type AffinityEntry,
  type ServiceRulesOptions,
} from './service-rules.js';
export { applyNftScript, deleteTable, describeNftError, listTables, readAffinity } from './nft.js';
export { ServiceProxy, type ServiceProxyOptions } from './service-proxy.js';
