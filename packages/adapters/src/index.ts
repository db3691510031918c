/** @podkit/adapters — metrics and log adapters: many monitoring dialects in, one data model out. */
export { adapterError, AdapterErrorCode } from './errors.js';
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
export { encode, encodeOpenMetrics } from './exposition/encode-openmetrics.js';
export {
  encodeText,
  formatValue,
  TEXT_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  type ExpositionFormat,
} from './exposition/encode.js';
export { negotiate } from './exposition/negotiate.js';
export { familiesFromRegistry } from './exposition/from-prom-client.js';
export { parseText, parseTextStrict, parseSampleLine } from './exposition/parse-text.js';
export type { TargetSource } from './sources/source.js';
export {
  RedisSource,
  parseInfo,
  mapInfo,
  type RedisSourceOptions,
} from './sources/redis-source.js';
export { parseRedisTarget, redisInfo, type RedisAddress } from './sources/redis-client.js';
export {
  NginxSource,
  parseStubStatus,
  mapStubStatus,
  type StubStatus,
} from './sources/nginx-source.js';
export { JsonSource, parseJsonMapping, mapJson, type JsonMetric } from './sources/json-source.js';
export { compileJsonPath } from './sources/jsonpath.js';
export { PrometheusSource } from './sources/prometheus-source.js';
export {
  parseRelabelRules,
  relabel,
  relabelFamilies,
  type RelabelRule,
} from './sources/relabel.js';
export { httpGet, redactUrl, type HttpAuth } from './sources/http-get.js';
export { loadYamlFile } from './sources/mapping-config.js';
export { parseStatsdLine, type StatsdEvent, type StatsdParse } from './statsd/statsd-line.js';
export { StatsdMapper, type Mapped, type ObserverOptions } from './statsd/statsd-mapping.js';
export { StatsdStore } from './statsd/statsd-store.js';
export { startStatsdServer, type StatsdServer } from './statsd/statsd-server.js';
export { SelfMetrics } from './server/self-metrics.js';
export {
  startMetricsServer,
  type MetricsServer,
  type MetricsServerOptions,
} from './server/metrics-server.js';
export {
  LogPipeline,
  LOG_FORMATS,
  type LogFormat,
  type LogPipelineOptions,
} from './log/pipeline.js';
export { LogMetrics } from './log/log-metrics.js';
export { followFile, type FollowOptions } from './log/follow-file.js';
export { readLines, listenForLines } from './log/line-sources.js';
export { parseCombined, parseClfTime } from './log/parse-combined.js';
export { parseSyslog, parseSyslog3164, parseSyslog5424 } from './log/parse-syslog.js';
export { parseCriLine, CriJoiner, type CriLine } from './log/parse-cri.js';
export { parseJsonLine } from './log/parse-json.js';
export type { ParseResult, LineParser } from './log/record.js';
