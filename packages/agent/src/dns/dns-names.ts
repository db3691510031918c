import { isIPv4, isIPv6 } from 'node:net';

/**
 * The names DNS gives addresses: reverse (PTR) names, the dashed form CoreDNS uses for an
 * endpoint without a hostname and for pod records, the reverse zones of a CIDR, and the label
 * rules names must follow. Every name here is lowercase and has no trailing dot.
 */

/** A DNS-1123 label: what Kubernetes allows in a Service, namespace or hostname. */
const LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** The longest name DNS carries in presentation form without the trailing dot (RFC 1035). */
export const MAX_NAME_LENGTH = 253;

export function isDnsLabel(text: string): boolean {
  return LABEL.test(text);
}

/** `Foo.Cluster.Local.` → `foo.cluster.local`: how names are compared (case-insensitively). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The 8 16-bit groups of an IPv6 address (`::` and a trailing dotted IPv4 expanded). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - front.length - back.length;
  return [...front, ...Array<string>(fill).fill('0'), ...back].map((g) => parseInt(g, 16));
}

/** An address's bits, most significant first, and how many there are (32 or 128). */
function addressBits(ip: string): { value: bigint; width: number } {
  if (isIPv4(ip)) {
    const value = ip.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
    return { value, width: 32 };
  }
  const value = ipv6Groups(ip).reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
  return { value, width: 128 };
}

/** Reverse labels of the top `units` digits (octets for IPv4, nibbles for IPv6) of `value`. */
function reverseLabels(value: bigint, width: number, units: number): string {
  const unit = width === 32 ? 8 : 4;
  const labels: string[] = [];
  for (let i = 0; i < units; i++) {
    const digit = (value >> BigInt(width - unit * (i + 1))) & ((1n << BigInt(unit)) - 1n);
    labels.unshift(width === 32 ? digit.toString(10) : digit.toString(16));
  }
  labels.push(width === 32 ? 'in-addr.arpa' : 'ip6.arpa');
  return labels.join('.');
}

/**
 * The PTR name of an address: `10.89.0.5` → `5.0.89.10.in-addr.arpa`, IPv6 by nibbles under
 * `ip6.arpa`. The address must be an IP (`isIP`).
 */
export function reverseName(ip: string): string {
  const { value, width } = addressBits(ip);
  return reverseLabels(value, width, width === 32 ? 4 : 32);
}

/** `10.89.0.5` → `10-89-0-5`, `fd00::5` → `fd00--5`: an address as one DNS label. */
export function dashedName(ip: string): string {
  return ip.toLowerCase().replace(/[.:]/g, '-');
}

/** The address a dashed label names (`10-89-0-5` → `10.89.0.5`), or undefined. */
export function parseDashedName(label: string): string | undefined {
  const v4 = label.replace(/-/g, '.');
  if (isIPv4(v4)) return v4;
  const v6 = label.replace(/-/g, ':');
  return isIPv6(v6) ? v6 : undefined;
}

/**
 * The reverse zones that cover a CIDR exactly, cut at octet (IPv4) or nibble (IPv6)
 * boundaries as PTR names are: `10.89.0.0/16` → `89.10.in-addr.arpa`; `10.96.0.0/12` → the 16
 * zones `96.10.in-addr.arpa` … `111.10.in-addr.arpa`. Undefined when `cidr` is not a CIDR.
 */
export function reverseZonesOf(cidr: string): string[] | undefined {
  const slash = cidr.indexOf('/');
  const ip = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  if (slash < 0 || !/^\d{1,3}$/.test(prefixText) || (!isIPv4(ip) && !isIPv6(ip))) {
    return undefined;
  }
  const prefix = Number(prefixText);
  const { value, width } = addressBits(ip);
  // A /0 would claim all of in-addr.arpa; past the width is no CIDR.
  if (prefix < 1 || prefix > width) return undefined;
  const unit = width === 32 ? 8 : 4;
  const units = Math.ceil(prefix / unit);
  const zoneBits = units * unit;
  const network = (value >> BigInt(width - prefix)) << BigInt(width - prefix);
  const zones: string[] = [];
  for (let j = 0n; j < 1n << BigInt(zoneBits - prefix); j++) {
    zones.push(reverseLabels(network + (j << BigInt(width - zoneBits)), width, units));
  }
  return zones;
}
