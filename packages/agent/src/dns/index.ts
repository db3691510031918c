/** The cluster DNS server of the node agent (Kubernetes DNS specification 1.1.0). */
export {
  DEFAULT_CLUSTER_DOMAIN,
  EMPTY_CLUSTER_VIEW,
  type ClusterView,
  type EndpointView,
  type PodView,
  type ServicePortProtocol,
  type ServicePortView,
  type ServiceView,
} from './cluster-view.js';
export { ClusterDnsServer, type ClusterDnsServerOptions } from './dns-server.js';
export { Forwarder, parseNameservers, type ForwarderOptions, type Transport } from './forwarder.js';
export { answerQuestion, type ZoneReply, type ZoneRcode } from './records.js';
export { DNS_SCHEMA_VERSION, DNS_TTL, ZoneIndex, buildZoneIndex } from './zone-index.js';
