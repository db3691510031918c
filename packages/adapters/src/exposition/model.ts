/** Label name → value. Order does not matter: encoders sort label names. */
export type Labels = Readonly<Record<string, string>>;

/** The metric types both exposition formats share (`untyped` is OpenMetrics' `unknown`). */
export type MetricType = 'counter' | 'gauge' | 'untyped' | 'histogram' | 'summary';

export interface ScalarPoint {
  readonly labels: Labels;
  readonly value: number;
  /** Milliseconds since the epoch; omitted in the output when undefined. */
  readonly timestampMs?: number | undefined;
  /** Counters only: when the counter started, for OpenMetrics' `_created` (seconds). */
  readonly createdSeconds?: number | undefined;
}

export interface Bucket {
  /** Upper bound; the last bucket's is +Inf. */
  readonly le: number;
  /** Cumulative count of observations <= le. */
  readonly count: number;
}

export interface HistogramPoint {
  readonly labels: Labels;
  readonly buckets: readonly Bucket[];
  readonly sum: number;
  readonly count: number;
  readonly createdSeconds?: number | undefined;
}

export interface Quantile {
  readonly quantile: number;
  readonly value: number;
}

export interface SummaryPoint {
  readonly labels: Labels;
  readonly quantiles: readonly Quantile[];
  readonly sum: number;
  readonly count: number;
  readonly createdSeconds?: number | undefined;
}

interface FamilyBase {
  /**
   * The Prometheus 0.0.4 name. A counter's name usually ends in `_total`; OpenMetrics names
   * the family without it and its sample `<family>_total`.
   */
  readonly name: string;
  readonly help: string;
}

export interface ScalarFamily extends FamilyBase {
  readonly type: 'counter' | 'gauge' | 'untyped';
  readonly points: readonly ScalarPoint[];
}
export interface HistogramFamily extends FamilyBase {
  readonly type: 'histogram';
  readonly points: readonly HistogramPoint[];
}
export interface SummaryFamily extends FamilyBase {
  readonly type: 'summary';
  readonly points: readonly SummaryPoint[];
}

/** One metric family: a name, a type, a help text and its series (points). */
export type MetricFamily = ScalarFamily | HistogramFamily | SummaryFamily;
