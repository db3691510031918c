import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkQualifiedName,
} from './names.js';
import type { Fields } from './reader.js';
import type { ObjectMeta } from './types.js';
import { childPath } from './yaml-documents.js';

const MAX_ANNOTATIONS_BYTES = 256 * 1024;

// Fields the API server owns: present in `kubectl get -o yaml` output, harmless here.
const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
  'ownerReferences',
  'finalizers',
];

/**
 * Reads `metadata`. The name must pass `checkName` (a DNS-1123 subdomain by default; a
 * Service's is a DNS-1035 label) and is required unless `nameRequired` is false (a
 * workload's pod template takes its name and namespace from the workload). The namespace
 * defaults to the context's (`-n`), else `default`; a top-level object naming another
 * namespace than an explicit `-n` is an error, as kubectl refuses it.
 */
export function readObjectMeta(
  f: Fields,
  nameRequired: boolean,
  checkName: (name: string) => string | undefined = checkDns1123Subdomain,
): ObjectMeta {
  const ctx = f.ctx;
  f.unsupported('generateName', 'give the object a fixed metadata.name');
  for (const key of SERVER_FIELDS) f.ignored(key, 'set by the API server; ignored');
  const name = f.string('name', { required: nameRequired ? 'the object name' : false });
  if (name !== undefined && name !== '') {
    const bad = checkName(name);
    if (bad !== undefined) ctx.error(f.at('name'), bad);
  }
  const namespace = f.string('namespace');
  if (namespace !== undefined && namespace !== '') {
    const bad = checkDns1123Label(namespace);
    if (bad !== undefined) ctx.error(f.at('namespace'), bad);
    else if (nameRequired && ctx.namespace !== undefined && namespace !== ctx.namespace) {
      ctx.error(
        f.at('namespace'),
        `the namespace from the provided object ${JSON.stringify(namespace)} does not match the namespace ${JSON.stringify(ctx.namespace)}; pass -n ${namespace} (or no -n) to perform this operation`,
        'namespace-mismatch',
      );
    }
  }
  const labels = f.stringMap('labels') ?? {};
  for (const [key, value] of Object.entries(labels)) {
    const path = childPath(f.at('labels'), key);
    const badKey = checkQualifiedName(key);
    if (badKey !== undefined) ctx.error(path, `label key ${badKey}`, 'invalid-value', 'key');
    const badValue = checkLabelValue(value);
    if (badValue !== undefined) ctx.error(path, `label value ${badValue}`);
  }
  const annotations = f.stringMap('annotations') ?? {};
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const badKey = checkQualifiedName(key);
    if (badKey !== undefined) {
      ctx.error(
        childPath(f.at('annotations'), key),
        `annotation key ${badKey}`,
        'invalid-value',
        'key',
      );
    }
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > MAX_ANNOTATIONS_BYTES) {
    ctx.error(f.at('annotations'), `must total at most 256 KiB, got ${size} bytes`);
  }
  return {
    name: name ?? '',
    namespace:
      namespace === undefined || namespace === '' ? (ctx.namespace ?? 'default') : namespace,
    labels,
    annotations,
  };
}
