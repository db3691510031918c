/**
 * A create's body → podkit's validated, defaulted object (`@podkit/runtime/spec`, the same
 * reader `podkit up` uses), with the API server's answers: a wrong kind or version is 400,
 * unknown fields follow `fieldValidation` (Strict: 400 "strict decoding error", Warn: a
 * Warning header and dropped, Ignore: dropped), any other problem 422 Invalid with one cause
 * per field path.
 */
import { randomBytes } from 'node:crypto';
import { parseManifests, type Diagnostic, type ManifestSet } from '@podkit/runtime/spec';
import { invalid, KubeApiError, failure, refuse, type StatusCause } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  refuse('BadRequest', `fieldValidation parameter unsupported: ${v}`);
}

export interface Admitted {
  set: ManifestSet;
  name: string;
  /** What the client is told in Warning headers. */
  warnings: string[];
}

const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Checks and reads one object of `kind` posted to `namespace`.
 *
 * @example
 *   const { set } = admit(body, 'Pod', 'default', 'Strict');
 *   set.pods[0]; // the typed, defaulted Pod
 */
export function admit(
  body: Record<string, unknown>,
  kind: string,
  namespace: string,
  validation: FieldValidation,
  /** The group-version the request's URL names: `v1`, `apps/v1`, `batch/v1`. */
  version = 'v1',
): Admitted {
  checkTypeMeta(body, kind, version);
  const object: Record<string, unknown> = { ...body, apiVersion: version, kind };
  const metadata = { ...metadataOf(body) };
  if (
    metadata.namespace !== undefined &&
    metadata.namespace !== '' &&
    metadata.namespace !== namespace
  )
    refuse(
      'BadRequest',
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  metadata.namespace = namespace;
  // generateName: the API server's names.SimpleNameGenerator (5 random characters).
  if (
    (metadata.name === undefined || metadata.name === '') &&
    typeof metadata.generateName === 'string'
  ) {
    const bytes = randomBytes(5);
    metadata.name = `${metadata.generateName}${[...bytes].map((b) => ALPHANUM[b % ALPHANUM.length]).join('')}`;
  }
  delete metadata.generateName;
  // Fields only the server sets (a create ignores them).
  const serverSet = new Set([
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'generation',
    'managedFields',
    'selfLink',
  ]);
  object.metadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !serverSet.has(k)));
  delete object.status;
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (name === '')
    throw new KubeApiError(
      invalid(kind, '', [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]),
    );
  const file = `${kind.toLowerCase()}s/${namespace}/${name}`;
  let set = parseManifests(JSON.stringify(object), file, { namespace });
  const unknown = set.diagnostics.filter(
    (d) => d.severity === 'error' && d.code === 'unknown-field',
  );
  const warnings: string[] = [];
  if (unknown.length > 0) {
    if (validation === 'Strict')
      throw new KubeApiError(
        failure(
          'BadRequest',
          `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((d) => `unknown field ${JSON.stringify(d.path)}`).join(', ')}`,
        ),
      );
    for (const d of unknown) {
      deletePath(object, d.path);
      if (validation === 'Warn') warnings.push(`unknown field ${JSON.stringify(d.path)}`);
    }
    set = parseManifests(JSON.stringify(object), file, { namespace });
  }
  const errors = set.diagnostics.filter((d) => d.severity === 'error');
  const group = version.includes('/') ? (version.split('/')[0] ?? '') : '';
  if (errors.length > 0) throw new KubeApiError(invalid(kind, name, errors.map(causeOf), group));
  for (const d of set.diagnostics)
    if (d.severity === 'warning')
      warnings.push(d.path === '' ? d.message : `${d.path}: ${d.message}`);
  return { set, name, warnings };
}

function causeOf(d: Diagnostic): StatusCause {
  const reason: StatusCause['reason'] =
    d.code === 'required'
      ? 'FieldValueRequired'
      : d.code === 'unsupported'
        ? 'FieldValueForbidden'
        : d.code === 'duplicate' || d.code === 'duplicate-key'
          ? 'FieldValueDuplicate'
          : 'FieldValueInvalid';
  const prefix =
    reason === 'FieldValueRequired'
      ? 'Required value: '
      : reason === 'FieldValueForbidden'
        ? 'Forbidden: '
        : 'Invalid value: ';
  return { reason, field: d.path, message: `${prefix}${d.message}` };
}

/** Removes `a.b[2].c` from a JSON value (a path the spec reader reported). */
export function deletePath(root: Record<string, unknown>, path: string): void {
  const steps: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    steps.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? ''));
  let node: unknown = root;
  for (let i = 0; i < steps.length - 1; i++) {
    const s = steps[i];
    if (s === undefined || typeof node !== 'object' || node === null) return;
    node = (node as Record<string | number, unknown>)[s];
  }
  const last = steps.at(-1);
  if (last !== undefined && typeof node === 'object' && node !== null && !Array.isArray(node))
    Reflect.deleteProperty(node, String(last));
}

/** A body's `metadata` as a map (empty when it has none or it is not an object). */
export function metadataOf(body: Record<string, unknown>): Record<string, unknown> {
  const m = body.metadata;
  return (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
}

/** The API server's 400 for a body whose apiVersion or kind is not the URL's. */
export function checkTypeMeta(body: Record<string, unknown>, kind: string, version: string): void {
  const apiVersion = body.apiVersion;
  if (apiVersion !== undefined && apiVersion !== version)
    refuse(
      'BadRequest',
      `the API version in the data (${JSON.stringify(apiVersion)}) does not match the expected API version (${version})`,
    );
  if (body.kind !== undefined && body.kind !== kind)
    refuse(
      'BadRequest',
      `${JSON.stringify(body.kind)} in version "${version}" cannot be handled as a ${kind}: the object's kind is not ${kind}`,
    );
}

/**
 * An update's checks against the object it replaces: the body names the URL's object (400
 * otherwise), and a `resourceVersion` it carries is the current one (409 Conflict otherwise,
 * the API server's optimistic concurrency).
 */
export function checkUpdate(
  meta: Record<string, unknown>,
  name: string,
  currentVersion: string | undefined,
  resource: string,
  group = '',
): void {
  if (meta.name !== undefined && meta.name !== name)
    refuse(
      'BadRequest',
      `the name of the object (${JSON.stringify(meta.name)}) does not match the name on the URL (${name})`,
    );
  const rv = meta.resourceVersion;
  if (typeof rv === 'string' && rv !== '' && rv !== currentVersion)
    refuse(
      'Conflict',
      `Operation cannot be fulfilled on ${group === '' ? resource : `${resource}.${group}`} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: group === '' ? undefined : group, kind: resource },
    );
}
