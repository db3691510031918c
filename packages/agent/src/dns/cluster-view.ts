/**
 * What the cluster DNS server publishes: a snapshot the agent builds from its Services,
 * endpoints and pods and hands to `ClusterDnsServer.setView`. The server never reads the
 * agent's state itself, so every answer comes from one snapshot.
 */

/** The Kubernetes default cluster domain. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export type ServicePortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePortView {
  /** Only named ports get SRV records (`_<name>._<proto>.<svc>.<ns>.svc.<zone>`). */
  name?: string | undefined;
  port: number;
  protocol: ServicePortProtocol;
}

/** One address the Service publishes. */
export interface EndpointView {
  ip: string;
  /**
   * The endpoint's hostname (a StatefulSet pod's name, or a pod's `hostname` when its
   * `subdomain` is the Service): `<hostname>.<svc>.<ns>.svc.<zone>`. Without one, the endpoint
   * is named after its IP with dashes (`10-89-0-5`), as CoreDNS does.
   */
  hostname?: string | undefined;
  /** The pod behind the address (for diagnostics; DNS names never use it). */
  podName?: string | undefined;
}

export interface ServiceView {
  name: string;
  namespace: string;
  /** The virtual IP, or `'None'` for a headless Service (answered with its endpoints). */
  clusterIP: string;
  ports: readonly ServicePortView[];
  /**
   * The addresses to publish: the caller has already chosen them (Ready ones, or every one
   * with `publishNotReadyAddresses`). Only a headless Service's endpoints get records.
   */
  endpoints: readonly EndpointView[];
}

export interface PodView {
  name: string;
  namespace: string;
  ip: string;
  /** With `subdomain` naming a headless Service of the namespace: `<hostname>.<subdomain>.<ns>.svc.<zone>`. */
  hostname?: string | undefined;
  subdomain?: string | undefined;
}

/**
 * One consistent snapshot of what the cluster DNS publishes.
 *
 * @example
 *   server.setView({
 *     services: [{ name: 'redis', namespace: 'default', clusterIP: 'None',
 *       ports: [{ name: 'redis', port: 6379, protocol: 'TCP' }],
 *       endpoints: [{ ip: '10.89.0.5', hostname: 'redis-0' }] }],
 *     pods: [],
 *     reverseCidrs: ['10.96.0.0/12', '10.89.0.0/16'],
 *   });
 */
export interface ClusterView {
  /** The cluster domain (default `cluster.local`). */
  clusterDomain?: string | undefined;
  services: readonly ServiceView[];
  pods: readonly PodView[];
  /**
   * The service and pod ranges: reverse (PTR) names inside them are answered here — NXDOMAIN
   * for an address nobody has — instead of being forwarded to the host's resolvers.
   */
  reverseCidrs?: readonly string[] | undefined;
}

/** The view a server starts with: nothing published, every other name forwarded. */
export const EMPTY_CLUSTER_VIEW: ClusterView = { services: [], pods: [] };
