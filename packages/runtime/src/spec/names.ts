/**
 * Name and key syntax, as k8s.io/apimachinery/pkg/util/validation checks it. Each function
 * returns what is wrong (a message fragment) or undefined when the value is valid.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = QUALIFIED_NAME;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
const HTTP_HEADER_NAME = /^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/;

/** A lowercase RFC 1123 label: container, volume, namespace names. */
export function checkDns1123Label(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters, got ${value.length}`;
  if (!DNS1123_LABEL.test(value)) {
    return `must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A lowercase RFC 1035 label (starts with a letter): Service names, which become DNS names. */
export function checkDns1035Label(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters, got ${value.length}`;
  if (!DNS1035_LABEL.test(value)) {
    return `must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter and ending with a letter or digit), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A lowercase RFC 1123 subdomain: pod, ConfigMap and Secret names. */
export function checkDns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters, got ${value.length}`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return `must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** An IANA service name: port names (at most 15 characters, at least one letter). */
export function checkPortName(value: string): string | undefined {
  if (value.length > 15) return `must be at most 15 characters, got ${JSON.stringify(value)}`;
  if (!/^[-a-z0-9]+$/.test(value)) {
    return `must contain only lowercase letters, digits and '-', got ${JSON.stringify(value)}`;
  }
  if (!/[a-z]/.test(value)) return `must contain at least one letter, got ${JSON.stringify(value)}`;
  if (value.includes('--')) return `must not contain consecutive '-', got ${JSON.stringify(value)}`;
  if (value.startsWith('-') || value.endsWith('-')) {
    return `must not begin or end with '-', got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A label or annotation key: an optional DNS subdomain prefix and `/`, then a name ≤ 63. */
export function checkQualifiedName(value: string): string | undefined {
  const parts = value.split('/');
  let name = value;
  if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    if (prefix === '')
      return `must have a non-empty prefix before '/', got ${JSON.stringify(value)}`;
    const bad = checkDns1123Subdomain(prefix);
    if (bad !== undefined) return `prefix ${bad}`;
    name = rest;
  } else if (parts.length > 2) {
    return `must be an optional DNS subdomain prefix and '/' and a name, got ${JSON.stringify(value)}`;
  }
  if (name === '') return `must have a name, got ${JSON.stringify(value)}`;
  if (name.length > 63)
    return `name part must be at most 63 characters, got ${JSON.stringify(value)}`;
  if (!QUALIFIED_NAME.test(name)) {
    return `name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A label value: empty, or ≤ 63 characters of letters, digits, '-', '_', '.'. */
export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `must be at most 63 characters, got ${value.length}`;
  if (!LABEL_VALUE.test(value)) {
    return `must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** An environment variable name (Kubernetes' classic rule: C identifier plus '-' and '.'). */
export function checkEnvVarName(value: string): string | undefined {
  if (!ENV_VAR_NAME.test(value)) {
    return `must consist of letters, digits, '_', '-' or '.' and must not start with a digit, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A ConfigMap/Secret key (also a file name in a volume). */
export function checkConfigMapKey(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters, got ${value.length}`;
  if (!CONFIG_MAP_KEY.test(value)) {
    return `must consist of letters, digits, '-', '_' or '.', got ${JSON.stringify(value)}`;
  }
  if (value === '.' || value === '..') return `must not be ${JSON.stringify(value)}`;
  return undefined;
}

export function checkHttpHeaderName(value: string): string | undefined {
  return HTTP_HEADER_NAME.test(value)
    ? undefined
    : `must be a valid HTTP header name, got ${JSON.stringify(value)}`;
}

/** A relative path that stays below its root: not absolute, no `..` element. */
export function checkLocalDescendingPath(value: string): string | undefined {
  if (value.startsWith('/')) return `must be a relative path, got ${JSON.stringify(value)}`;
  if (value.split('/').includes('..')) {
    return `must not contain '..', got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A dotted-quad IPv4 address (no leading zeros). */
export function isIpv4Address(value: string): boolean {
  return IPV4.test(value);
}

/** An IPv4 or IPv6 address in canonical-enough form. */
export function isIpAddress(value: string): boolean {
  if (IPV4.test(value)) return true;
  return /^[0-9a-fA-F:.]+$/.test(value) && value.includes(':') && value.split('::').length <= 2;
}
