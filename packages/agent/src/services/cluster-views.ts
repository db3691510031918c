import type { PodRecord } from '@podkit/runtime';
import { SERVICE_CIDR, serviceEndpoints, type ServiceRecord } from '@podkit/runtime/node';
import type { ClusterView } from '../dns/index.js';
import type { ProxyView } from '../proxy/index.js';

/**
 * What the Service proxy and the cluster DNS serve, from the node's Services and pods: each
 * Service's endpoints computed once (Ready pods of its selector, see runtime's
 * services/endpoints.ts) and shaped for each consumer.
 */
export function clusterViews(
  services: readonly ServiceRecord[],
  pods: readonly PodRecord[],
  podSubnet: string,
): { proxy: ProxyView; dns: ClusterView } {
  const proxy: ProxyView['services'][number][] = [];
  const dns: ClusterView['services'][number][] = [];
  for (const { service } of services) {
    const { metadata, spec } = service;
    const endpoints = serviceEndpoints(service, pods);
    const clusterIP = spec.clusterIP ?? 'None';
    dns.push({
      name: metadata.name,
      namespace: metadata.namespace,
      clusterIP,
      ports: spec.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
      endpoints: endpoints.map((e) => ({ ip: e.ip, hostname: e.hostname, podName: e.podName })),
    });
    if (clusterIP === 'None') continue;
    proxy.push({
      namespace: metadata.namespace,
      name: metadata.name,
      clusterIP,
      // The proxy carries TCP and UDP (SCTP ports get DNS only).
      ports: spec.ports.flatMap((p) =>
        p.protocol === 'SCTP'
          ? []
          : [{ name: p.name, port: p.port, protocol: p.protocol, nodePort: p.nodePort }],
      ),
      sessionAffinity: spec.sessionAffinity,
      sessionAffinityTimeoutSeconds: spec.sessionAffinityTimeoutSeconds,
      // Only Ready ones carry traffic, also with publishNotReadyAddresses (DNS publishes them).
      endpoints: endpoints.filter((e) => e.ready).map((e) => ({ ip: e.ip, ports: e.ports })),
    });
  }
  const podViews = pods.flatMap((r) =>
    r.released || r.status.podIP === undefined || r.status.podIP === '' || r.pod.spec.hostNetwork
      ? []
      : [
          {
            name: r.name,
            namespace: r.namespace,
            ip: r.status.podIP,
            hostname: r.pod.spec.hostname,
            subdomain: r.pod.spec.subdomain,
          },
        ],
  );
  return {
    proxy: { services: proxy },
    dns: { services: dns, pods: podViews, reverseCidrs: [SERVICE_CIDR, podSubnet] },
  };
}
