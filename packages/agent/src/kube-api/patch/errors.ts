/**
 * The Status answers of a patch that fails, as the API server's patch handler builds them
 * (k8s.io/apiserver endpoints/handlers/patch.go): its own BadRequests, the generic 422 of
 * `NewGenericServerResponse` (which drops the underlying message), and the 500 with no reason
 * any other error of the patch libraries becomes.
 */
import { failure, KubeApiError, type Status } from '../status.js';

/** 400 BadRequest with `message`. */
export function badRequest(message: string, cause?: unknown): KubeApiError {
  return new KubeApiError(failure('BadRequest', message), { cause });
}

/**
 * 422 as `errors.NewGenericServerResponse(422, …)` answers it: the reason Invalid and a fixed
 * message; `detail` (what the library said) only travels as the error's cause.
 */
export function unprocessable(detail: string): KubeApiError {
  const status = failure(
    'Invalid',
    'the server rejected our request due to an error in our request',
    {},
  );
  return new KubeApiError(status, { cause: new Error(detail) });
}

/** 500 with no reason and the library's text: a plain Go error reaching the handler. */
export function internal(message: string): KubeApiError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    code: 500,
  };
  return new KubeApiError(status);
}
