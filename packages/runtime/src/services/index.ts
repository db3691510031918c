/** Services on one node: ClusterIP/NodePort allocation, records, endpoints, pod env vars. */
export {
  SERVICE_CIDR,
  NODE_PORT_MIN,
  NODE_PORT_MAX,
  allocateClusterIP,
  allocateNodePort,
  inServiceRange,
} from './service-ips.js';
export {
  applyServiceRecords,
  listServiceRecords,
  removeServiceRecord,
  type ServiceRecord,
} from './service-store.js';
export { serviceEndpoints, portKey, selects, podReady, type ServiceEndpoint } from './endpoints.js';
export { serviceEnvVars, type ServiceEnvInput } from './service-env.js';
