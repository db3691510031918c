import { checkDns1123Subdomain } from './names.js';
import { tryParseQuantity, compareQuantities } from './quantity.js';
import { isObject, typeMismatch, type Fields } from './reader.js';
import type { PersistentVolumeClaimSpec } from './types.js';
import { childPath, indexPath } from './yaml-documents.js';

const ACCESS_MODES = [
  'ReadWriteOnce',
  'ReadOnlyMany',
  'ReadWriteMany',
  'ReadWriteOncePod',
] as const;

/**
 * Reads a PersistentVolumeClaim's spec (a claim's, or a StatefulSet volumeClaimTemplate's) as
 * the API server validates it (ValidatePersistentVolumeClaimSpec): at least one access mode,
 * ReadWriteOncePod alone, a positive `resources.requests.storage`, limits not below it, a
 * storageClassName that is a DNS subdomain. The claim is bound to a directory on this machine
 * (local-path provisioners' way): the size is kept, not enforced; a class name is kept and
 * means nothing here. Undefined when a part needed is missing (the errors are reported).
 */
export function readClaimSpec(f: Fields): PersistentVolumeClaimSpec | undefined {
  const errorsBefore = f.ctx.errorCount;
  const modes = f.stringList('accessModes', { required: 'at least one access mode' }) ?? [];
  if (f.has('accessModes') && modes.length === 0)
    f.ctx.error(f.at('accessModes'), 'at least 1 access mode is required', 'required');
  const accessModes: PersistentVolumeClaimSpec['accessModes'] = [];
  modes.forEach((m, i) => {
    if ((ACCESS_MODES as readonly string[]).includes(m))
      accessModes.push(m as (typeof ACCESS_MODES)[number]);
    else
      f.ctx.error(
        indexPath(f.at('accessModes'), i),
        `supported values: ${ACCESS_MODES.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(m)}`,
        'invalid-value',
      );
  });
  if (accessModes.includes('ReadWriteOncePod') && accessModes.length > 1)
    f.ctx.error(
      f.at('accessModes'),
      'may not use ReadWriteOncePod with other access modes',
      'invalid-value',
    );
  const storage = f.object(
    'resources',
    (r) => {
      const requests = readStorage(r, 'requests', true);
      const limits = readStorage(r, 'limits', false);
      if (requests !== undefined && limits !== undefined) {
        const req = tryParseQuantity(requests);
        const lim = tryParseQuantity(limits);
        if (req !== undefined && lim !== undefined && compareQuantities(lim, req) < 0)
          r.ctx.error(
            childPath(r.at('limits'), 'storage'),
            `must be greater than or equal to the storage request (${requests})`,
            'out-of-range',
          );
      }
      return requests;
    },
    { required: 'resources.requests.storage: the size asked for, e.g. 1Gi' },
  );
  const storageClassName = f.string('storageClassName');
  if (storageClassName !== undefined && storageClassName !== '') {
    const bad = checkDns1123Subdomain(storageClassName);
    if (bad !== undefined) f.ctx.error(f.at('storageClassName'), bad);
  }
  const volumeMode = f.enumeration('volumeMode', ['Filesystem', 'Block'] as const);
  if (volumeMode === 'Block')
    f.ctx.error(
      f.at('volumeMode'),
      'not supported by podkit (a claim is a directory on this machine: Filesystem)',
      'unsupported',
    );
  f.unsupported('dataSource', 'a claim starts empty on this machine');
  f.unsupported('dataSourceRef', 'a claim starts empty on this machine');
  f.unsupported('volumeName', 'podkit binds each claim to a directory of its own');
  f.unsupported('selector', 'podkit binds each claim to a directory of its own');
  f.ignored('volumeAttributesClassName', 'ignored: no storage driver on one machine');
  if (storage === undefined || f.ctx.errorCount > errorsBefore) return undefined;
  return {
    accessModes,
    storage,
    storageClassName:
      storageClassName === undefined || storageClassName === '' ? undefined : storageClassName,
  };
}

/** `requests.storage` / `limits.storage`: a positive quantity, kept as written. */
function readStorage(f: Fields, key: string, required: boolean): string | undefined {
  const raw = f.raw(key);
  if (raw === undefined) {
    if (required)
      f.ctx.error(
        childPath(f.at(key), 'storage'),
        'required (the size asked for, e.g. 1Gi)',
        'required',
      );
    return undefined;
  }
  if (!isObject(raw)) {
    f.ctx.error(f.at(key), typeMismatch('object', raw), 'wrong-type');
    return undefined;
  }
  for (const name of Object.keys(raw))
    if (name !== 'storage')
      f.ctx.error(
        childPath(f.at(key), name),
        `a claim asks for storage only; got ${JSON.stringify(name)}`,
        'unsupported',
        'key',
      );
  const v = raw.storage;
  const path = childPath(f.at(key), 'storage');
  if (v === undefined || v === null) {
    if (required) f.ctx.error(path, 'required (the size asked for, e.g. 1Gi)', 'required');
    return undefined;
  }
  const text = typeof v === 'number' ? String(v) : v;
  const q = typeof text === 'string' ? tryParseQuantity(text) : undefined;
  if (typeof text !== 'string' || q === undefined) {
    f.ctx.error(path, `expected a quantity such as 1Gi, got ${JSON.stringify(v)}`, 'wrong-type');
    return undefined;
  }
  if (q.numerator <= 0n) {
    f.ctx.error(path, `must be greater than zero, got ${JSON.stringify(text)}`, 'out-of-range');
    return undefined;
  }
  return text;
}
