import { PodkitError } from '@podkit/kit';

/**
 * The adapters' error catalogue: every code they throw, declared once (each has a row in
 * docs/errors.md). Bad metric inputs (invalid names, collisions, impossible values) are not
 * errors: the endpoint drops and counts them (`MetricSet.dropped`,
 * `podkit_adapter_dropped_samples_total`).
 */
export const AdapterErrorCode = {
  /** A mapping/relabel/source configuration is invalid. */
  ADAPTER_CONFIG: 'ADAPTER_CONFIG',
  /** The monitored program could not be reached or answered garbage. */
  ADAPTER_UPSTREAM: 'ADAPTER_UPSTREAM',
} as const;

export type AdapterErrorCode = (typeof AdapterErrorCode)[keyof typeof AdapterErrorCode];

/** Builds a PodkitError with one of the adapters' stable codes. */
export function adapterError(
  code: AdapterErrorCode,
  message: string,
  options: { cause?: unknown; hint?: string } = {},
): PodkitError {
  return new PodkitError(code, message, options);
}
