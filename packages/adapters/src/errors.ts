import { PodkitError } from '@podkit/kit';

/**
 * The adapters' error catalogue. Every code is listed in docs/errors.md.
 *
 * - `ADAPTER_METRIC_INVALID`: a metric or label name is not valid Prometheus, or a value is
 *   impossible for its type (a negative counter, an unsorted histogram).
 * - `ADAPTER_METRIC_COLLISION`: a metric would share a name or a `_total`/`_bucket`/`_sum`/
 *   `_count`/`_created` sample with another one, or change type.
 * - `ADAPTER_CONFIG`: a mapping/relabel/source configuration is invalid.
 * - `ADAPTER_UPSTREAM`: the monitored program could not be reached or answered garbage.
 */
export type AdapterErrorCode =
  'ADAPTER_METRIC_INVALID' | 'ADAPTER_METRIC_COLLISION' | 'ADAPTER_CONFIG' | 'ADAPTER_UPSTREAM';

/** Builds a PodkitError with one of the adapters' stable codes. */
export function adapterError(
  code: AdapterErrorCode,
  message: string,
  options: { cause?: unknown; hint?: string } = {},
): PodkitError {
  return new PodkitError(code, message, options);
}
