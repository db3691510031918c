/**
 * One API request as the handlers see it: the resource path parsed, the query, what the
 * client accepts, and the list options (selectors, watch, resourceVersion).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeApiState } from './api-state.js';
import { fieldsMatch, labelsMatch, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { refuse } from './status.js';
import type { IncludeObject } from './tables.js';
import { DEFAULT_WATCH_SECONDS } from './watch.js';
import type { ApiObject } from './objects.js';

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  query: URLSearchParams;
  /** Undefined: every namespace (`/api/v1/pods`). */
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
  state: KubeApiState;
  /** The agent's diagnostics (never the token). */
  log: (line: string) => void;
}

export function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  refuse('BadRequest', `includeObject must be None, Metadata or Object, not ${v}`);
}

export function isWatch(q: URLSearchParams): boolean {
  const w = q.get('watch');
  return w === '1' || w === 'true';
}

export function watchSeconds(q: URLSearchParams): number {
  const t = q.get('timeoutSeconds');
  if (t === null || t === '') return DEFAULT_WATCH_SECONDS;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0)
    refuse('BadRequest', `timeoutSeconds must be a whole number of seconds, not ${t}`);
  return n;
}

/** The filter of a list or watch: namespace, labelSelector, fieldSelector. */
export function listFilter<T extends ApiObject>(
  r: ApiRequest,
  fieldsOf: (o: T) => Record<string, string>,
  supportedFields: readonly string[],
  kind: string,
): (o: T) => boolean {
  const labels = parseLabelSelector(r.query.get('labelSelector'));
  const fields = parseFieldSelector(r.query.get('fieldSelector'), supportedFields, kind);
  return (o) =>
    (r.namespace === undefined || o.metadata.namespace === r.namespace) &&
    labelsMatch(labels, o.metadata.labels) &&
    fieldsMatch(fields, fieldsOf(o));
}
