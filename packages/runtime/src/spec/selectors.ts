import { checkConfigMapKey, checkLocalDescendingPath, checkQualifiedName } from './names.js';
import { tryParseQuantity, compareQuantities } from './quantity.js';
import { oneOfMessage, type Fields } from './reader.js';
import type { KeyToPath, ObjectFieldSelector, ResourceFieldSelector } from './types.js';

/** Fields the kubelet resolves for `env[].valueFrom.fieldRef`. */
export const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
] as const;

/** Fields the kubelet writes into a downwardAPI volume file. */
export const VOLUME_FIELD_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
] as const;

const RESOURCE_FIELDS = [
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
];
const CPU_DIVISORS = ['1m', '1'];
const MEMORY_DIVISORS = [
  '1',
  '1k',
  '1M',
  '1G',
  '1T',
  '1P',
  '1E',
  '1Ki',
  '1Mi',
  '1Gi',
  '1Ti',
  '1Pi',
  '1Ei',
];

/** `0644` in YAML 1.1 is 420: file modes are 0-0777 (0-511). */
export function readMode(f: Fields, key: string): number | undefined {
  return f.integer(key, { min: 0, max: 0o777, range: 'must be 0-0777 (octal, e.g. 0644)' });
}

/** `fieldRef`: `metadata.name`, `metadata.labels['app']`, … (the set depends on env vs volume). */
export function readFieldRef(
  f: Fields,
  allowed: readonly string[],
): ObjectFieldSelector | undefined {
  const apiVersion = f.string('apiVersion');
  if (apiVersion !== undefined && apiVersion !== '' && apiVersion !== 'v1') {
    f.ctx.error(f.at('apiVersion'), `must be "v1", got ${JSON.stringify(apiVersion)}`);
  }
  const fieldPath = f.string('fieldPath', { required: 'e.g. metadata.name' });
  if (fieldPath === undefined) return undefined;
  const subscripted = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscripted !== null) {
    const [, which = '', key = ''] = subscripted;
    // Annotations are matched case-insensitively, as Kubernetes validates them lowercased.
    const bad = checkQualifiedName(which === 'annotations' ? key.toLowerCase() : key);
    if (bad !== undefined) {
      f.ctx.error(
        f.at('fieldPath'),
        `invalid ${which.slice(0, -1)} key in ${JSON.stringify(fieldPath)}: ${bad}`,
      );
      return undefined;
    }
    return { apiVersion: 'v1', fieldPath };
  }
  if (!allowed.includes(fieldPath)) {
    const list = [...allowed, "metadata.labels['KEY']", "metadata.annotations['KEY']"];
    f.ctx.error(f.at('fieldPath'), oneOfMessage(list, fieldPath));
    return undefined;
  }
  return { apiVersion: 'v1', fieldPath };
}

/** `resourceFieldRef`: `limits.cpu`, `requests.memory`, … with a divisor that suits it. */
export function readResourceFieldRef(
  f: Fields,
  containerRequired: boolean,
): ResourceFieldSelector | undefined {
  const containerName = f.string('containerName', {
    required: containerRequired ? 'the container whose resources to expose' : false,
  });
  const resource = f.string('resource', { required: 'e.g. limits.cpu' });
  const divisorValue = f.raw('divisor');
  let divisor = '1';
  if (divisorValue !== undefined) {
    if (typeof divisorValue === 'string' || typeof divisorValue === 'number') {
      divisor = String(divisorValue);
    } else {
      f.ctx.error(f.at('divisor'), 'expected a quantity such as 1m or 1Mi');
      return undefined;
    }
  }
  if (resource === undefined) return undefined;
  if (resource.includes('hugepages-')) {
    f.ctx.error(f.at('resource'), 'not supported by podkit (hugepages)', 'unsupported');
    return undefined;
  }
  if (!RESOURCE_FIELDS.includes(resource)) {
    f.ctx.error(f.at('resource'), oneOfMessage(RESOURCE_FIELDS, resource));
    return undefined;
  }
  const parsed = tryParseQuantity(divisor);
  const options = resource.endsWith('.cpu') ? CPU_DIVISORS : MEMORY_DIVISORS;
  const matches =
    parsed !== undefined &&
    options.some((o) => {
      const q = tryParseQuantity(o);
      return q !== undefined && compareQuantities(q, parsed) === 0;
    });
  if (!matches) {
    f.ctx.error(
      f.at('divisor'),
      `must be one of ${options.join(', ')} for ${resource}, got ${JSON.stringify(divisor)}`,
    );
    return undefined;
  }
  return {
    ...(containerName !== undefined && containerName !== '' ? { containerName } : {}),
    resource,
    divisor,
  };
}

/** A relative file path inside a volume: no absolute path, no `..` element or prefix. */
export function checkVolumeFilePath(f: Fields, key: string, value: string): boolean {
  const bad =
    checkLocalDescendingPath(value) ??
    (value.startsWith('..') ? `must not start with '..', got ${JSON.stringify(value)}` : undefined);
  if (bad !== undefined) {
    f.ctx.error(f.at(key), bad);
    return false;
  }
  return true;
}

/** `items` of configMap/secret volumes: which keys to project, to which paths. */
export function readKeyToPath(f: Fields): KeyToPath | undefined {
  const key = f.string('key', { required: true });
  const path = f.string('path', { required: 'the file name to write the key to' });
  const mode = readMode(f, 'mode');
  if (key === undefined || path === undefined) return undefined;
  const badKey = checkConfigMapKey(key);
  if (badKey !== undefined) {
    f.ctx.error(f.at('key'), badKey);
    return undefined;
  }
  if (!checkVolumeFilePath(f, 'path', path)) return undefined;
  return { key, path, ...(mode !== undefined ? { mode } : {}) };
}
