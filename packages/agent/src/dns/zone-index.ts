import { isIP, isIPv4 } from 'node:net';
import type { Answer, SoaAnswer } from 'dns-packet';
import { AgentErrorCode, agentError } from '../errors.js';
import { DEFAULT_CLUSTER_DOMAIN, type ClusterView } from './cluster-view.js';
import {
  MAX_NAME_LENGTH,
  canonicalName,
  dashedName,
  isDnsLabel,
  parseDashedName,
  reverseName,
  reverseZonesOf,
} from './dns-names.js';

/** The TTL of every record (CoreDNS's kubernetes default): clients see changes within 5 s. */
export const DNS_TTL = 5;

/** The schema of kubernetes/dns docs/specification.md this server follows (`dns-version` TXT). */
export const DNS_SCHEMA_VERSION = '1.1.0';

/**
 * The records of one cluster view, indexed once when the view is set: every query is then a
 * few map lookups. Names are lowercase without the trailing dot; records carry the canonical
 * owner name (the answer logic spells it as the question did).
 */
export class ZoneIndex {
  /** The cluster domain, e.g. `cluster.local`. */
  readonly clusterZone: string;
  readonly serial: number;
  readonly #records: Map<string, Answer[]>;
  /** Every name that has records or a descendant with records: empty non-terminals are NODATA. */
  readonly #existing: Set<string>;
  /** The apexes we are authoritative for: the cluster zone and the reverse zones. */
  readonly #zones: Set<string>;
  readonly #podSuffix: string;

  constructor(
    clusterZone: string,
    serial: number,
    records: Map<string, Answer[]>,
    zones: Set<string>,
  ) {
    this.clusterZone = clusterZone;
    this.serial = serial;
    this.#records = records;
    this.#zones = zones;
    this.#podSuffix = `.pod.${clusterZone}`;
    this.#existing = new Set([`pod.${clusterZone}`]);
    for (const zone of zones) {
      records.set(zone, [this.soa(zone), ...(records.get(zone) ?? [])]);
    }
    for (const owner of records.keys()) {
      const zone = this.zoneOf(owner);
      let name = owner;
      this.#existing.add(name);
      while (name !== zone && name.includes('.')) {
        name = name.slice(name.indexOf('.') + 1);
        this.#existing.add(name);
      }
    }
  }

  /** The zone of ours that holds `name` (canonical), most specific first; undefined: not ours. */
  zoneOf(name: string): string | undefined {
    let suffix = name;
    for (;;) {
      if (this.#zones.has(suffix)) return suffix;
      const dot = suffix.indexOf('.');
      if (dot < 0) return undefined;
      suffix = suffix.slice(dot + 1);
    }
  }

  /** The records owned by `name` (canonical), of every type. */
  recordsAt(name: string): readonly Answer[] {
    return this.#records.get(name) ?? this.#podRecords(name);
  }

  /** Whether `name` exists (NODATA for a type it lacks) rather than NXDOMAIN. */
  exists(name: string): boolean {
    if (this.#existing.has(name) || this.#podRecords(name).length > 0) return true;
    // `<ns>.pod.<zone>`: every namespace has pod names below it.
    if (!name.endsWith(this.#podSuffix)) return false;
    return isDnsLabel(name.slice(0, -this.#podSuffix.length));
  }

  /** The SOA record of one of our zones (its TTL and minimum bound negative caching to 5 s). */
  soa(zone: string): SoaAnswer {
    return {
      name: zone,
      type: 'SOA',
      class: 'IN',
      ttl: DNS_TTL,
      data: {
        mname: `ns.dns.${this.clusterZone}`,
        rname: `hostmaster.${this.clusterZone}`,
        serial: this.serial,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: DNS_TTL,
      },
    };
  }

  /**
   * `a-b-c-d.<ns>.pod.<zone>` → A a.b.c.d, computed from the name as CoreDNS's `pods insecure`
   * does (the deprecated record the specification still requires); nothing is looked up.
   */
  #podRecords(name: string): Answer[] {
    if (!name.endsWith(this.#podSuffix)) return [];
    const labels = name.slice(0, -this.#podSuffix.length).split('.');
    if (labels.length !== 2 || !isDnsLabel(labels[1] ?? '')) return [];
    const ip = parseDashedName(labels[0] ?? '');
    return ip === undefined ? [] : [addressRecord(name, ip)];
  }
}

function addressRecord(name: string, ip: string): Answer {
  return { name, type: isIPv4(ip) ? 'A' : 'AAAA', class: 'IN', ttl: DNS_TTL, data: ip };
}

/** Records keyed by owner, each (owner, type, data) once. */
class RecordSet {
  readonly records = new Map<string, Answer[]>();
  readonly #keys = new Set<string>();
  readonly problems: string[];

  constructor(problems: string[]) {
    this.problems = problems;
  }

  add(record: Answer): void {
    if (record.name.length > MAX_NAME_LENGTH) {
      this.problems.push(`${record.name}: longer than ${MAX_NAME_LENGTH} characters`);
      return;
    }
    const key = JSON.stringify(record);
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    const list = this.records.get(record.name);
    if (list === undefined) this.records.set(record.name, [record]);
    else list.push(record);
  }
}

/**
 * Indexes a cluster view by the Kubernetes DNS specification (schema 1.1.0):
 * - `<svc>.<ns>.svc.<zone>` A/AAAA: the ClusterIP, or every endpoint of a headless Service;
 * - `<host>.<svc>.<ns>.svc.<zone>` for each endpoint of a headless Service (`host` = its
 *   hostname, or its address dashed), and for a pod with `hostname` + `subdomain` naming a
 *   headless Service of its namespace;
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV for each named port (priority 0, weights
 *   sharing 100), targeting the Service's name, or each endpoint's name when headless;
 * - PTR for ClusterIPs and headless endpoints; `dns-version.<zone>` TXT; SOA at each apex.
 *
 * Throws DNS_VIEW_INVALID (listing every problem) when a name is not a DNS label or an
 * address is not an IP: the caller keeps its previous index.
 *
 * @example
 *   const index = buildZoneIndex(view, 1);
 *   index.recordsAt('redis.default.svc.cluster.local'); // [{ type: 'A', data: '10.96.0.10', … }]
 */
export function buildZoneIndex(view: ClusterView, serial: number): ZoneIndex {
  const problems: string[] = [];
  const zone = canonicalName(view.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  if (!zone.split('.').every(isDnsLabel)) {
    problems.push(`cluster domain "${zone}": every label must be a DNS label`);
  }
  const set = new RecordSet(problems);
  const label = (what: string, text: string): string => {
    const lower = text.toLowerCase();
    if (!isDnsLabel(lower)) problems.push(`${what} "${text}" is not a DNS label`);
    return lower;
  };
  const address = (what: string, ip: string): boolean => {
    if (isIP(ip) !== 0) return true;
    problems.push(`${what}: "${ip}" is not an IP address`);
    return false;
  };
  const addPtr = (ip: string, target: string): void => {
    set.add({ name: reverseName(ip), type: 'PTR', class: 'IN', ttl: DNS_TTL, data: target });
  };

  set.add({
    name: `dns-version.${zone}`,
    type: 'TXT',
    class: 'IN',
    ttl: DNS_TTL,
    data: DNS_SCHEMA_VERSION,
  });

  const headless = new Set<string>();
  const seen = new Set<string>();
  for (const svc of view.services) {
    const name = label('service name', svc.name);
    const ns = label(`namespace of service ${svc.name}`, svc.namespace);
    const what = `service ${svc.namespace}/${svc.name}`;
    if (seen.has(`${ns}/${name}`)) problems.push(`${what} is given twice`);
    seen.add(`${ns}/${name}`);
    const fqdn = `${name}.${ns}.svc.${zone}`;
    const ports = svc.ports.flatMap((p) =>
      p.name === undefined || p.name === ''
        ? []
        : [
            {
              owner: `_${label(`${what} port name`, p.name)}._${p.protocol.toLowerCase()}.${fqdn}`,
              port: p.port,
            },
          ],
    );
    if (svc.clusterIP === 'None') {
      headless.add(`${ns}/${name}`);
      const targets = new Set<string>();
      for (const ep of svc.endpoints) {
        if (!address(`${what} endpoint`, ep.ip)) continue;
        const host =
          ep.hostname === undefined || ep.hostname === ''
            ? dashedName(ep.ip)
            : label(`${what} endpoint hostname`, ep.hostname);
        const target = `${host}.${fqdn}`;
        set.add(addressRecord(fqdn, ep.ip));
        set.add(addressRecord(target, ep.ip));
        addPtr(ep.ip, target);
        targets.add(target);
      }
      const weight = Math.max(1, Math.floor(100 / Math.max(1, targets.size)));
      for (const { owner, port } of ports) {
        for (const target of targets) {
          set.add({
            name: owner,
            type: 'SRV',
            class: 'IN',
            ttl: DNS_TTL,
            data: { priority: 0, weight, port, target },
          });
        }
      }
    } else if (address(`${what} clusterIP`, svc.clusterIP)) {
      set.add(addressRecord(fqdn, svc.clusterIP));
      addPtr(svc.clusterIP, fqdn);
      for (const { owner, port } of ports) {
        set.add({
          name: owner,
          type: 'SRV',
          class: 'IN',
          ttl: DNS_TTL,
          data: { priority: 0, weight: 100, port, target: fqdn },
        });
      }
    }
  }

  for (const pod of view.pods) {
    if (pod.hostname === undefined || pod.subdomain === undefined) continue;
    if (pod.hostname === '' || pod.subdomain === '') continue;
    const what = `pod ${pod.namespace}/${pod.name}`;
    const ns = label(`namespace of ${what}`, pod.namespace);
    const sub = label(`${what} subdomain`, pod.subdomain);
    const host = label(`${what} hostname`, pod.hostname);
    if (!headless.has(`${ns}/${sub}`) || !address(what, pod.ip)) continue;
    set.add(addressRecord(`${host}.${sub}.${ns}.svc.${zone}`, pod.ip));
  }

  const zones = new Set([zone]);
  for (const cidr of view.reverseCidrs ?? []) {
    const reverse = reverseZonesOf(cidr);
    if (reverse === undefined) problems.push(`reverse CIDR "${cidr}" is not a CIDR`);
    for (const z of reverse ?? []) zones.add(z);
  }
  // A PTR name outside the ranges given is a zone of its own: answered here (AA), while its
  // neighbours are still forwarded.
  for (const owner of set.records.keys()) {
    if (!owner.endsWith('.arpa')) continue;
    let suffix: string | undefined = owner;
    while (suffix !== undefined && !zones.has(suffix)) {
      const dot: number = suffix.indexOf('.');
      suffix = dot < 0 ? undefined : suffix.slice(dot + 1);
    }
    if (suffix === undefined) zones.add(owner);
  }

  if (problems.length > 0) {
    const shown = problems.slice(0, 20).map((p) => `\n  - ${p}`);
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    throw agentError(
      AgentErrorCode.DNS_VIEW_INVALID,
      `the cluster view cannot be published by DNS:${shown.join('')}${more}`,
      { hint: 'the view keeps the names Kubernetes validated: DNS-1123 labels and IP addresses' },
    );
  }
  return new ZoneIndex(zone, serial, set.records, zones);
}
