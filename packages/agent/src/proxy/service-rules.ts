import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { agentError, AgentErrorCode } from '../errors.js';
import {
  checkProxyView,
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  hasClusterIP,
  type EndpointView,
  type ProxyView,
  type ServicePortView,
  type ServiceView,
} from './proxy-view.js';

/**
 * The Service proxy's nftables table, as text for `nft -f -`: a pure function of the view
 * (same view → same text), built like kube-proxy's nftables mode (pkg/proxy/nftables) but
 * replaced whole on every sync instead of patched:
 *
 * - `nat-prerouting` (traffic from pods and other hosts) and `nat-output` (the host's own)
 *   jump to `services`, which looks `daddr . l4proto . dport` up in the `service-ips` verdict
 *   map and, for the host's own addresses except 127/8, `l4proto . dport` in
 *   `service-nodeports`; both go to the Service port's `svc-…` chain.
 * - `svc-…`: marks the connection for masquerade, sends a client pinned in an endpoint's
 *   affinity set to that endpoint, else picks one with `numgen random mod N vmap`.
 * - `ep-…`: refreshes the client's entry in its affinity set (ClientIP), then DNATs.
 * - A Service port without endpoints is in `no-endpoint-services` / `no-endpoint-nodeports`
 *   instead, looked up by filter chains at priority -110 (before DNAT) in input, forward and
 *   output: TCP gets a reset, UDP an ICMP port-unreachable, at once. Another port of a
 *   ClusterIP is rejected the same way after DNAT (`cluster-ips-check`).
 * - `nat-postrouting` masquerades what `svc-…` marked (mark bit 0x4000, kube-proxy's).
 *
 * Masquerade is for every Service connection (kube-proxy's `--masquerade-all`): all pods sit
 * on one bridge, so an endpoint's reply to a client pod on that bridge would go to it
 * directly, past the host's conntrack (unless br_netfilter is loaded), and never be
 * un-DNATed; masqueraded, it comes back through the host. That also covers hairpin (a pod
 * reaching itself through the VIP) and the host → VIP/nodePort. The cost: an endpoint sees the
 * bridge's gateway as the client. Session affinity still keys on the real client address
 * (DNAT happens before SNAT).
 *
 * Names in the table are hashes (`svc-<16 hex>` of namespace/name/protocol/port name/port,
 * `ep-`/`aff-` of that plus the endpoint), so any Service name is safe; the readable name is a
 * chain comment with anything but `[A-Za-z0-9._:/ -]` replaced (cut to 120 characters).
 *
 * Not served: localhost nodePorts (127.0.0.1:nodePort), like kube-proxy's nftables mode:
 * DNATing a 127/8 destination to a pod needs `route_localnet`, which opens the host's
 * localhost services to the bridge. Reach a nodePort on any other host address.
 */

/** The skb mark bit `svc-…` chains set and `masquerading` tests (and clears): kube-proxy's. */
export const MASQUERADE_MARK = 0x4000;

/** A client pinned to an endpoint, carried into the new table so a sync keeps it pinned. */
export interface AffinityEntry {
  readonly ip: string;
  /** Seconds left before the pin expires (≥ 1). */
  readonly expiresSeconds: number;
}

export interface ServiceRulesOptions {
  /** The table (family `ip`) the rules live in; one per podkit state root. */
  readonly table: string;
  /** Affinity set name → live entries to keep (read from the table being replaced). */
  readonly affinity?: ReadonlyMap<string, readonly AffinityEntry[]> | undefined;
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Why `name` cannot be a proxy table name, or undefined when it can. */
export function checkTableName(name: string): string | undefined {
  return TABLE_NAME.test(name)
    ? undefined
    : `table name ${JSON.stringify(name)}: a letter, then up to 63 letters, digits, _ or -`;
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** nft keeps at most 128 bytes of a comment; longer ones are refused. */
const COMMENT_MAX = 120;

function comment(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._:/ -]/g, '_');
  return `"${safe.length <= COMMENT_MAX ? safe : `${safe.slice(0, COMMENT_MAX - 3)}...`}"`;
}

const protoOf = (p: ServicePortView): 'tcp' | 'udp' => (p.protocol === 'TCP' ? 'tcp' : 'udp');
const portName = (p: ServicePortView): string => p.name ?? '';

/** The `svc-…` chain of one Service port. */
export function serviceChainName(svc: ServiceView, port: ServicePortView): string {
  return `svc-${hash(servicePortId(svc, port))}`;
}

function servicePortId(svc: ServiceView, port: ServicePortView): string {
  return `${svc.namespace}/${svc.name}/${protoOf(port)}/${portName(port)}/${port.port}`;
}

/** The `ep-…` chain and `aff-…` set of one endpoint of one Service port. */
export function endpointNames(
  svc: ServiceView,
  port: ServicePortView,
  ip: string,
  targetPort: number,
): { chain: string; affinitySet: string } {
  const h = hash(`${servicePortId(svc, port)}__${ip}/${targetPort}`);
  return { chain: `ep-${h}`, affinitySet: `aff-${h}` };
}

/** IPv4 dotted quads in numeric order (the view is checked first). */
function ipKey(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface PortTarget {
  readonly ip: string;
  readonly targetPort: number;
}

/** The endpoints serving `port`, each address once, in address order. */
function targetsOf(endpoints: readonly EndpointView[], port: ServicePortView): PortTarget[] {
  const seen = new Map<string, PortTarget>();
  for (const ep of endpoints) {
    const targetPort = ep.ports[portName(port)];
    if (targetPort !== undefined && !seen.has(ep.ip)) seen.set(ep.ip, { ip: ep.ip, targetPort });
  }
  return [...seen.values()].sort((a, b) => ipKey(a.ip) - ipKey(b.ip));
}

/** An nft `{ … }` element list, or nothing for an empty one (nft refuses `{ }`). */
function elements(items: readonly string[]): string[] {
  return items.length === 0 ? [] : [`\t\telements = { ${items.join(',\n\t\t\t')} }`];
}

/**
 * The whole table for `view`, as one `nft -f -` transaction that creates or replaces it:
 * `add table` (so that the `delete` cannot fail), `delete table`, then the table. Throws
 * `PROXY_VIEW_INVALID` with every problem when the view cannot become rules.
 *
 * @example
 *   const script = serviceRules({ services }, { table: 'podkit-3f2a' });
 *   await applyNftScript(script);
 */
export function serviceRules(view: ProxyView, options: ServiceRulesOptions): string {
  const problems = checkProxyView(view);
  const tableProblem = checkTableName(options.table);
  if (tableProblem !== undefined) problems.unshift(tableProblem);
  if (problems.length > 0) {
    throw agentError(
      AgentErrorCode.PROXY_VIEW_INVALID,
      `the Service proxy cannot write these Services:\n  ${problems.join('\n  ')}`,
    );
  }

  const serviceIps: string[] = [];
  const serviceNodePorts: string[] = [];
  const noEndpointServices: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const clusterIps = new Set<string>();
  const affinitySets: string[] = [];
  const serviceChains: string[] = [];
  const endpointChains: string[] = [];

  const services = view.services
    .filter(hasClusterIP)
    .slice()
    .sort((a, b) => byString(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
  for (const svc of services) {
    clusterIps.add(svc.clusterIP);
    const ports = svc.ports
      .slice()
      .sort((a, b) => byString(a.protocol, b.protocol) || a.port - b.port);
    for (const port of ports) {
      const proto = protoOf(port);
      const targets = targetsOf(svc.endpoints, port);
      const key = `${svc.clusterIP} . ${proto} . ${port.port}`;
      const nodeKey = port.nodePort === undefined ? undefined : `${proto} . ${port.nodePort}`;
      if (targets.length === 0) {
        noEndpointServices.push(`${key} : goto reject-chain`);
        if (nodeKey !== undefined) noEndpointNodePorts.push(`${nodeKey} : goto reject-chain`);
        continue;
      }
      const chain = serviceChainName(svc, port);
      serviceIps.push(`${key} : goto ${chain}`);
      if (nodeKey !== undefined) serviceNodePorts.push(`${nodeKey} : goto ${chain}`);

      const affinity = svc.sessionAffinity === 'ClientIP';
      const timeout = svc.sessionAffinityTimeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
      const eps = targets.map((t) => ({ ...t, ...endpointNames(svc, port, t.ip, t.targetPort) }));
      const body = [`\t\tjump mark-for-masquerade`];
      if (affinity) {
        for (const ep of eps) body.push(`\t\tip saddr @${ep.affinitySet} goto ${ep.chain}`);
      }
      const first = eps[0];
      if (eps.length === 1 && first !== undefined) body.push(`\t\tgoto ${first.chain}`);
      else {
        const arms = eps.map((ep, i) => `${i} : goto ${ep.chain}`).join(', ');
        body.push(`\t\tnumgen random mod ${eps.length} vmap { ${arms} }`);
      }
      const name = `${svc.namespace}/${svc.name}:${portName(port)} ${proto}/${port.port}`;
      serviceChains.push(`\tchain ${chain} {`, `\t\tcomment ${comment(name)}`, ...body, '\t}', '');

      for (const ep of eps) {
        const lines = [`\tchain ${ep.chain} {`];
        if (affinity) {
          lines.push(`\t\tupdate @${ep.affinitySet} { ip saddr }`);
          const kept = (options.affinity?.get(ep.affinitySet) ?? [])
            .filter((e) => isIPv4(e.ip) && e.expiresSeconds >= 1)
            .slice()
            .sort((a, b) => ipKey(a.ip) - ipKey(b.ip))
            .map((e) => `${e.ip} expires ${Math.min(Math.floor(e.expiresSeconds), timeout)}s`);
          affinitySets.push(
            `\tset ${ep.affinitySet} {`,
            '\t\ttype ipv4_addr',
            '\t\tflags dynamic,timeout',
            `\t\ttimeout ${timeout}s`,
            ...elements(kept),
            '\t}',
            '',
          );
        }
        lines.push(`\t\tmeta l4proto ${proto} dnat to ${ep.ip}:${ep.targetPort}`, '\t}', '');
        endpointChains.push(...lines);
      }
    }
  }

  const t = options.table;
  const mark = `0x${MASQUERADE_MARK.toString(16)}`;
  const sortedClusterIps = [...clusterIps].sort((a, b) => ipKey(a) - ipKey(b));
  const vmap = (name: string, type: string, items: readonly string[]): string[] => [
    `\tmap ${name} {`,
    `\t\ttype ${type} : verdict`,
    ...elements(items),
    '\t}',
    '',
  ];
  const base = (name: string, spec: string, rules: readonly string[]): string[] => [
    `\tchain ${name} {`,
    `\t\t${spec}; policy accept;`,
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '',
  ];
  const regular = (name: string, rules: readonly string[]): string[] => [
    `\tchain ${name} {`,
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '',
  ];
  const nodePortMatch = 'fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport';
  return [
    `# podkit Service proxy: generated, replaced whole by every sync (${services.length} Services with a ClusterIP)`,
    `add table ip ${t}`,
    `delete table ip ${t}`,
    `table ip ${t} {`,
    `\tcomment "podkit Service proxy (generated: replaced whole on every sync)"`,
    '',
    '\tset cluster-ips {',
    '\t\ttype ipv4_addr',
    ...elements(sortedClusterIps),
    '\t}',
    '',
    ...vmap('service-ips', 'ipv4_addr . inet_proto . inet_service', serviceIps),
    ...vmap('service-nodeports', 'inet_proto . inet_service', serviceNodePorts),
    ...vmap('no-endpoint-services', 'ipv4_addr . inet_proto . inet_service', noEndpointServices),
    ...vmap('no-endpoint-nodeports', 'inet_proto . inet_service', noEndpointNodePorts),
    ...affinitySets,
    // Filter chains run before DNAT (-110 < -100) so they see the Service's address; reject
    // is only allowed in input, forward and output.
    ...base('filter-input', 'type filter hook input priority -110', [
      'ct state new jump nodeport-endpoints-check',
      'ct state new jump service-endpoints-check',
    ]),
    ...base('filter-forward', 'type filter hook forward priority -110', [
      'ct state new jump service-endpoints-check',
      'ct state new jump cluster-ips-check',
    ]),
    ...base('filter-output', 'type filter hook output priority -110', [
      'ct state new jump service-endpoints-check',
    ]),
    // The host's own connections are DNATed in output (-100): what still goes to a ClusterIP
    // after that is for a port the Service does not have.
    ...base('filter-output-post-dnat', 'type filter hook output priority -90', [
      'ct state new jump cluster-ips-check',
    ]),
    ...base('nat-prerouting', 'type nat hook prerouting priority -100', ['jump services']),
    ...base('nat-output', 'type nat hook output priority -100', ['jump services']),
    ...base('nat-postrouting', 'type nat hook postrouting priority 100', ['jump masquerading']),
    ...regular('services', [
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      `${nodePortMatch} vmap @service-nodeports`,
    ]),
    ...regular('service-endpoints-check', [
      'ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    ]),
    ...regular('nodeport-endpoints-check', [`${nodePortMatch} vmap @no-endpoint-nodeports`]),
    ...regular('cluster-ips-check', ['ip daddr @cluster-ips goto reject-chain']),
    ...regular('reject-chain', ['meta l4proto tcp reject with tcp reset', 'reject']),
    ...regular('mark-for-masquerade', [`meta mark set meta mark or ${mark}`]),
    ...regular('masquerading', [
      `meta mark & ${mark} == 0 return`,
      `meta mark set meta mark xor ${mark}`,
      'masquerade fully-random',
    ]),
    ...serviceChains,
    ...endpointChains,
    '}',
    '',
  ].join('\n');
}
