/** Container logs in the CRI format kubelet uses. */
export {
  CriLogWriter,
  formatCriTimestamp,
  MAX_LOG_LINE_BYTES,
  type CriLogWriterOptions,
  type LogStream,
} from './cri-log-writer.js';
export { parseCriRecord, readLogs, type LogEntry, type ReadLogsOptions } from './cri-log-reader.js';
