import { isIPv4 } from 'node:net';

/**
 * What the Service proxy is told: every Service of the node with the endpoints to send its
 * traffic to, already chosen by the caller (Ready ones, as kube-proxy gets them from
 * EndpointSlices). The proxy turns a whole view into a whole table (service-rules.ts); it
 * keeps no other state, so the latest view is the truth.
 */
export interface ProxyView {
  readonly services: readonly ServiceView[];
}

export type ServiceProtocol = 'TCP' | 'UDP';

export interface ServicePortView {
  /**
   * The port's name: the key of this port in each endpoint's `ports`. Unnamed (a Service with
   * one port may leave it out) is the key `''`, as in an EndpointSlice.
   */
  readonly name?: string | undefined;
  /** The Service port, on the ClusterIP. */
  readonly port: number;
  readonly protocol: ServiceProtocol;
  /** A port on the host's own addresses forwarding to the Service (type NodePort). */
  readonly nodePort?: number | undefined;
}

export interface EndpointView {
  /** The pod's IPv4 address. */
  readonly ip: string;
  /**
   * Service port name → the pod's port number (the resolved `targetPort`). An endpoint
   * without an entry for a Service port does not serve that port.
   */
  readonly ports: Readonly<Record<string, number>>;
}

export interface ServiceView {
  readonly namespace: string;
  readonly name: string;
  /** The virtual IP. Absent (or `'None'`): a headless Service, which gets no rules. */
  readonly clusterIP?: string | undefined;
  readonly ports: readonly ServicePortView[];
  readonly sessionAffinity: 'None' | 'ClientIP';
  /** How long a client stays pinned after its last new connection (`ClientIP`; default 10800). */
  readonly sessionAffinityTimeoutSeconds?: number | undefined;
  /** The endpoints to use (Ready ones); none makes every port of the Service reject at once. */
  readonly endpoints: readonly EndpointView[];
}

/** kube-proxy's default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

/** Whether the Service has a ClusterIP to proxy (headless ones do not). */
export function hasClusterIP(svc: ServiceView): svc is ServiceView & { clusterIP: string } {
  return svc.clusterIP !== undefined && svc.clusterIP !== 'None' && svc.clusterIP !== '';
}

// The types say what the agent builds; these checks hold a view from anywhere to them.
const AFFINITIES = ['None', 'ClientIP'] as const;
const PROTOCOLS = ['TCP', 'UDP'] as const;

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65_535;
}

/**
 * Every problem that keeps `view` from becoming rules, as `namespace/name: message` lines
 * (empty: it can). Addresses and ports are written into nft's text, so only IPv4 addresses
 * and port numbers pass; names never reach the text (they are hashed).
 */
export function checkProxyView(view: ProxyView): string[] {
  const problems: string[] = [];
  const vips = new Map<string, string>();
  const nodePorts = new Map<string, string>();
  for (const svc of view.services) {
    const id = `${svc.namespace}/${svc.name}`;
    const bad = (message: string): void => {
      problems.push(`${id}: ${message}`);
    };
    if (svc.namespace === '' || svc.name === '') bad('namespace and name must not be empty');
    if (!hasClusterIP(svc)) continue;
    if (!isIPv4(svc.clusterIP)) bad(`clusterIP ${JSON.stringify(svc.clusterIP)} is not IPv4`);
    if (!(AFFINITIES as readonly string[]).includes(svc.sessionAffinity))
      bad(`sessionAffinity ${JSON.stringify(svc.sessionAffinity)} is not None or ClientIP`);
    const timeout = svc.sessionAffinityTimeoutSeconds;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 86_400))
      bad(`sessionAffinityTimeoutSeconds ${timeout} is not 1-86400`);
    const names = new Set<string>();
    for (const p of svc.ports) {
      const what = `port ${JSON.stringify(p.name ?? '')} (${p.port}/${p.protocol})`;
      if (names.has(p.name ?? '')) bad(`${what}: another port has the same name`);
      names.add(p.name ?? '');
      if (!(PROTOCOLS as readonly string[]).includes(p.protocol))
        bad(`${what}: protocol must be TCP or UDP`);
      if (!validPort(p.port)) bad(`${what}: port must be 1-65535`);
      const vipKey = `${svc.clusterIP} ${p.protocol} ${p.port}`;
      const vipOwner = vips.get(vipKey);
      if (vipOwner !== undefined) bad(`${what}: ${svc.clusterIP}:${p.port} is also ${vipOwner}'s`);
      else vips.set(vipKey, id);
      if (p.nodePort !== undefined) {
        if (!validPort(p.nodePort)) bad(`${what}: nodePort ${p.nodePort} must be 1-65535`);
        const npKey = `${p.protocol} ${p.nodePort}`;
        const npOwner = nodePorts.get(npKey);
        if (npOwner !== undefined) bad(`${what}: nodePort ${p.nodePort} is also ${npOwner}'s`);
        else nodePorts.set(npKey, id);
      }
    }
    for (const ep of svc.endpoints) {
      if (!isIPv4(ep.ip)) bad(`endpoint ${JSON.stringify(ep.ip)} is not IPv4`);
      for (const [name, target] of Object.entries(ep.ports)) {
        if (!validPort(target))
          bad(`endpoint ${ep.ip} port ${JSON.stringify(name)}: ${target} must be 1-65535`);
      }
    }
  }
  return problems;
}
