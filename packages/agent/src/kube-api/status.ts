/**
 * meta/v1 `Status`: every error of the Kubernetes API is one (kubectl prints its `message`,
 * client libraries act on `reason` and `code`). Builders for the reasons this API answers,
 * and `KubeApiError`, which carries one from where a request is refused to the server's
 * single error path.
 */
import { PodkitError } from '@podkit/kit';
import { AgentErrorCode } from '../errors.js';

/** The machine-readable reasons of meta/v1 StatusReason this API uses. */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError';

/** One cause of an Invalid status: the field path (`spec.containers[0].image`) and why. */
export interface StatusCause {
  reason:
    | 'FieldValueInvalid'
    | 'FieldValueRequired'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden'
    | 'UnknownField';
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string | undefined;
  group?: string | undefined;
  kind?: string | undefined;
  uid?: string | undefined;
  causes?: StatusCause[] | undefined;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  InternalError: 500,
};

/** A Failure status with the HTTP code of its reason. */
export function failure(reason: StatusReason, message: string, details?: StatusDetails): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code: CODES[reason],
  };
  if (details !== undefined) s.details = stripUndefined(details);
  return s;
}

/** The Success status a delete of a namespaced object without a body answers (as for collections). */
export function success(details?: StatusDetails): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 200,
  };
  if (details !== undefined) s.details = stripUndefined(details);
  return s;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `pods "web" not found` — the API server's wording, which kubectl prints after `Error from server (NotFound): `. */
export function notFound(resource: string, name: string, group = ''): Status {
  return failure('NotFound', `${qualified(resource, group)} "${name}" not found`, {
    name,
    group: group === '' ? undefined : group,
    kind: resource,
  });
}

export function alreadyExists(resource: string, name: string, group = ''): Status {
  return failure('AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group: group === '' ? undefined : group,
    kind: resource,
  });
}

/**
 * `Pod "web" is invalid: spec.containers[0].image: Required value` — the causes joined as the
 * API server joins a field.ErrorList (`[a, b]` when several).
 */
export function invalid(kind: string, name: string, causes: StatusCause[], group = ''): Status {
  const parts = causes.map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`));
  const joined = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  return failure('Invalid', `${qualified(kind, group)} "${name}" is invalid: ${joined}`, {
    name,
    group: group === '' ? undefined : group,
    kind,
    causes,
  });
}

/** The 410 a watch from a resourceVersion the server no longer remembers gets. */
export function gone(resourceVersion: string, oldest: string): Status {
  return failure('Gone', `too old resource version: ${resourceVersion} (${oldest})`);
}

export function unauthorized(): Status {
  return failure('Unauthorized', 'Unauthorized');
}

function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/**
 * A request the API refuses, with the Status to answer. Its PodkitError code is
 * KUBE_API_REJECTED; the Status's reason and code are what the client acts on.
 */
export class KubeApiError extends PodkitError {
  readonly status: Status;
  constructor(status: Status, options: { cause?: unknown } = {}) {
    super(
      AgentErrorCode.KUBE_API_REJECTED,
      status.message ?? status.reason ?? 'request refused',
      options,
    );
    this.status = status;
  }
}

/** Throws a KubeApiError for `failure(reason, message, details)`. */
export function refuse(reason: StatusReason, message: string, details?: StatusDetails): never {
  throw new KubeApiError(failure(reason, message, details));
}
