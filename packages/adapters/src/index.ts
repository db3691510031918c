/** @podkit/adapters — metrics and log adapters: many monitoring dialects in, one data model out. */
export { adapterError, type AdapterErrorCode } from './errors.js';
export type {
  Labels,
  MetricType,
  MetricFamily,
  ScalarPoint,
  HistogramPoint,
  SummaryPoint,
  Bucket,
  Quantile,
} from './exposition/model.js';
export {
  isValidMetricName,
  isValidLabelName,
  sanitizeMetricName,
  sanitizeLabelName,
} from './exposition/names.js';
export { MetricSet, type Dropped, type DropReason } from './exposition/metric-set.js';
export {
  encode,
  encodeText,
  encodeOpenMetrics,
  formatValue,
  TEXT_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  type ExpositionFormat,
} from './exposition/encode.js';
export { negotiate } from './exposition/negotiate.js';
export { familiesFromRegistry } from './exposition/from-prom-client.js';
