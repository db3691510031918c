/** DNS settings from a pod spec (`spec.dnsConfig`). */
export interface PodDnsConfig {
  readonly nameservers?: readonly string[] | undefined;
  readonly searches?: readonly string[] | undefined;
  readonly options?: readonly { name: string; value?: string | undefined }[] | undefined;
}

/** An extra /etc/hosts entry (`spec.hostAliases`). */
export interface HostAlias {
  readonly ip: string;
  readonly hostnames: readonly string[];
}

/**
 * The pod's /etc/hosts, laid out as kubelet writes it: the localhost lines, then
 * `<ip>\t<fqdn>\t<hostname>` (fqdn only with a subdomain; fqdn first so that `hostname -f`
 * resolves to it), then host aliases.
 *
 * @example
 *   buildEtcHosts({ ip: '10.89.0.2', hostname: 'web' }) // …"10.89.0.2\tweb\n"
 */
export function buildEtcHosts(input: {
  ip: string | undefined;
  hostname: string;
  fqdn?: string | undefined;
  hostAliases?: readonly HostAlias[] | undefined;
}): string {
  const lines = [
    '# Kubernetes-managed hosts file (written by podkit).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (input.ip !== undefined) {
    lines.push(
      input.fqdn === undefined
        ? `${input.ip}\t${input.hostname}`
        : `${input.ip}\t${input.fqdn}\t${input.hostname}`,
    );
  }
  for (const alias of input.hostAliases ?? []) {
    lines.push(`${alias.ip}\t${alias.hostnames.join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** True for addresses that only work in the host's own network namespace. */
function isLoopbackNameserver(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1' || addr === '0:0:0:0:0:0:0:1';
}

export interface ResolvConf {
  readonly nameservers: string[];
  readonly searches: string[];
  readonly options: string[];
}

/** Parses resolv.conf: nameserver, search/domain, options (other lines are dropped). */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...values] = line.split(/\s+/);
    if (key === 'nameserver' && values[0] !== undefined) out.nameservers.push(values[0]);
    // The last search/domain line wins, as in the resolver.
    else if (key === 'search' || key === 'domain')
      out.searches.splice(0, out.searches.length, ...values);
    else if (key === 'options') out.options.push(...values);
  }
  return out;
}

/**
 * The pod's resolv.conf from the host's. A pod in its own network namespace cannot reach a
 * resolver on the host's loopback (systemd-resolved's 127.0.0.53, dnsmasq's 127.0.0.1), so
 * loopback nameservers are dropped; when that leaves none, `fallback` (the upstream list,
 * e.g. /run/systemd/resolve/resolv.conf, as kubelet uses) supplies them; when none remain the
 * file says so in a comment and lookups fail fast rather than hang on an unreachable address.
 * Pod dnsConfig then merges as in kubelet: nameservers and searches appended (deduplicated),
 * options override by name. hostNetwork pods keep loopback resolvers (they share the host's
 * loopback).
 */
export function buildResolvConf(input: {
  host: string;
  fallback?: string | undefined;
  hostNetwork: boolean;
  dnsConfig?: PodDnsConfig | undefined;
  /**
   * The cluster DNS (dnsPolicy ClusterFirst): its server is the only nameserver, the pod's
   * namespace domains come first in the search list (then the host's), `ndots:5` — kubelet's
   * resolv.conf for a cluster pod.
   */
  cluster?: { nameserver: string; namespace: string; domain: string } | undefined;
}): string {
  const host = parseResolvConf(input.host);
  if (input.cluster !== undefined) {
    const { nameserver, namespace, domain } = input.cluster;
    const searches = dedupe([
      `${namespace}.svc.${domain}`,
      `svc.${domain}`,
      domain,
      ...host.searches,
    ]).slice(0, 32);
    return [
      '# resolv.conf written by podkit: the cluster DNS of the node agent (dnsPolicy ClusterFirst)',
      `nameserver ${nameserver}`,
      `search ${searches.join(' ')}`,
      'options ndots:5',
      '',
    ].join('\n');
  }
  let nameservers = input.hostNetwork
    ? host.nameservers
    : host.nameservers.filter((n) => !isLoopbackNameserver(n));
  let note: string | undefined;
  if (!input.hostNetwork && nameservers.length === 0 && host.nameservers.length > 0) {
    const upstream =
      input.fallback === undefined ? [] : parseResolvConf(input.fallback).nameservers;
    nameservers = upstream.filter((n) => !isLoopbackNameserver(n));
    if (nameservers.length === 0) {
      note = `# the host's nameservers (${host.nameservers.join(', ')}) are loopback addresses, unreachable from a pod network namespace; set spec.dnsConfig.nameservers`;
    }
  }
  const extra = input.dnsConfig;
  const allNs = dedupe([...nameservers, ...(extra?.nameservers ?? [])]);
  const searches = dedupe([...host.searches, ...(extra?.searches ?? [])]);
  const options = new Map<string, string>();
  for (const o of host.options) options.set(o.split(':')[0] ?? o, o);
  for (const o of extra?.options ?? []) {
    options.set(o.name, o.value === undefined ? o.name : `${o.name}:${o.value}`);
  }
  const lines = ['# resolv.conf written by podkit from the host’s'];
  if (note !== undefined) lines.push(note);
  for (const ns of allNs) lines.push(`nameserver ${ns}`);
  if (searches.length > 0) lines.push(`search ${searches.join(' ')}`);
  if (options.size > 0) lines.push(`options ${[...options.values()].join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
