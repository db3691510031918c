import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { LogMetrics } from './log-metrics.js';
import { parseCombined } from './parse-combined.js';
import { CriJoiner, parseCriLine } from './parse-cri.js';
import { parseJsonLine } from './parse-json.js';
import { parseSyslog } from './parse-syslog.js';
import type { ParseResult } from './record.js';

export const LOG_FORMATS = ['nginx', 'apache', 'combined', 'syslog', 'cri', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const BATCH_BYTES = 64 * 1024;

export interface LogPipelineOptions {
  format: LogFormat;
  /** Labels added to every record under `source` (pod, container, file…). */
  labels?: Record<string, string> | undefined;
  /** For CRI input: the format of the container's own lines (default: json passthrough when it parses, else plain). */
  innerFormat?: Exclude<LogFormat, 'cri'> | undefined;
  out: Writable;
  metrics?: LogMetrics | undefined;
  now?: () => Date;
}

/**
 * Turns lines into JSON records, one object per output line:
 * `{"time":ISO-UTC,"source":{…labels},"format":…,…typed fields}`. A line that does not
 * parse is still written, with `parse_error` and the raw `message` — never dropped. Records
 * are written in order, in batches at the end of each event-loop turn (or of 64 KiB); writes
 * honour backpressure: `push` of a full batch resolves once the output can take more.
 * `flush()` writes the rest now.
 */
export class LogPipeline {
  readonly #o: LogPipelineOptions;
  readonly #joiner = new CriJoiner();
  readonly #now: () => Date;
  #batch = '';
  #scheduled = false;

  constructor(options: LogPipelineOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  #parse(format: Exclude<LogFormat, 'cri'>, line: string): ParseResult {
    switch (format) {
      case 'nginx':
      case 'apache':
      case 'combined':
        return parseCombined(line);
      case 'syslog':
        return parseSyslog(line, this.#now);
      case 'json':
        return parseJsonLine(line);
    }
  }

  /** Handles one line (without its newline); `labels` are per-line extras (e.g. the file). */
  async push(line: string, labels: Record<string, string> = {}): Promise<void> {
    const source = { ...this.#o.labels, ...labels };
    let record: Record<string, unknown>;
    if (this.#o.format === 'cri') {
      const c = parseCriLine(line);
      if ('error' in c) {
        record = this.#failed(source, c.error, line);
      } else {
        const joined = this.#joiner.push(c);
        if (joined === undefined) return; // waiting for the rest of a partial line
        const inner = this.#o.innerFormat;
        const parsed =
          inner === undefined ? parseJsonLine(joined.message) : this.#parse(inner, joined.message);
        record = { time: joined.time, source: { ...source, stream: joined.stream }, format: 'cri' };
        if (joined.truncated) record['truncated'] = true;
        if (parsed.ok) Object.assign(record, parsed.fields, { time: joined.time });
        else if (inner === undefined) record['message'] = joined.message;
        else Object.assign(record, { parse_error: parsed.error, message: joined.message });
        this.#o.metrics?.observe(parsed.ok ? parsed.fields : inner === undefined ? {} : undefined);
      }
    } else {
      const parsed = this.#parse(this.#o.format, line);
      if (parsed.ok) {
        record = {
          time: parsed.time ?? this.#now().toISOString(),
          source,
          format: this.#o.format,
          ...parsed.fields,
        };
        // The fields must not override the record's own keys.
        record['time'] = parsed.time ?? record['time'];
        record['source'] = source;
        this.#o.metrics?.observe(parsed.fields);
      } else {
        record = this.#failed(source, parsed.error, line);
      }
    }
    // JSON.stringify escapes newlines inside strings: one record is always one line.
    this.#batch += `${JSON.stringify(record)}\n`;
    if (this.#batch.length >= BATCH_BYTES) {
      await this.flush();
    } else if (!this.#scheduled) {
      // Records go out together at the end of this turn of the event loop: one write per
      // batch, not per line (a write per line was a sixth of the CPU, bench/adapters).
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        const chunk = this.#batch;
        this.#batch = '';
        if (chunk !== '') this.#o.out.write(chunk);
      });
    }
  }

  /** Writes the records not yet written; resolves once the output can take more. */
  async flush(): Promise<void> {
    if (this.#batch === '') return;
    const chunk = this.#batch;
    this.#batch = '';
    if (!this.#o.out.write(chunk)) await once(this.#o.out, 'drain');
  }

  #failed(source: Record<string, string>, error: string, line: string): Record<string, unknown> {
    this.#o.metrics?.observe(undefined);
    return {
      time: this.#now().toISOString(),
      source,
      format: this.#o.format,
      parse_error: error,
      message: line,
    };
  }
}
