/**
 * What a strategic merge needs to know of a field, read from the one compact schema
 * description (`../openapi-types.ts` TYPES): whether a list merges (and by which key), and which
 * type a nested map or a list's items have. A field the table does not describe (or an
 * `object`) has no strategy: its maps merge, its lists are replaced whole — what upstream
 * does for a struct field without `patchStrategy`.
 */
import { GROUP_OF, TYPES } from '../openapi-types.js';

/** A node of the schema: the name of a compact type, or undefined (free-form). */
export type SchemaNode = string | undefined;

export interface FieldMeta {
  /** The type of the field's value (a map) or of its items (a list). */
  type: SchemaNode;
  /** The list merges (`patchStrategy: merge`) instead of being replaced. */
  merge: boolean;
  /** The merge key of a list of maps; '' for a merged list of scalars. */
  mergeKey: string;
}

const NONE: FieldMeta = { type: undefined, merge: false, mergeKey: '' };
const cache = new Map<string, FieldMeta>();

/** The patch metadata of `field` in the compact type `type`. */
export function fieldMeta(type: SchemaNode, field: string): FieldMeta {
  if (type === undefined) return NONE;
  const id = `${type}.${field}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const raw = TYPES[type]?.[field];
  let meta = NONE;
  if (raw !== undefined) {
    const [spec = '', strategy] = raw.replace(/^!/, '').split('|');
    const list = spec.startsWith('[]');
    const [item = '', key] = (list ? spec.slice(2) : spec).split('@');
    meta = {
      type: TYPES[item] === undefined ? undefined : item,
      merge: key !== undefined || strategy === 'merge',
      mergeKey: key ?? '',
    };
  }
  cache.set(id, meta);
  return meta;
}

/** The root compact type of a kind (`Pod`, `Deployment`, …); undefined when not described. */
export function kindSchema(kind: string): SchemaNode {
  return TYPES[kind] === undefined ? undefined : kind;
}

/** The API group of a served kind, for messages (`Deployment.apps "web" is invalid`). */
export function kindGroup(kind: string): string {
  return GROUP_OF[kind] ?? '';
}
