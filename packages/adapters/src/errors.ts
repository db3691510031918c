import { PodkitError } from '@podkit/kit';

/**
 * The adapters' error catalogue. Every code is listed in docs/errors.md.
 *
 *
 * Bad metric inputs (invalid names, collisions, impossible values) are not errors: the
 * endpoint drops and counts them (`MetricSet.dropped`, `podkit_adapter_dropped_samples_total`).
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
