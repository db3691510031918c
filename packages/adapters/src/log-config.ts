import { defineConfig, standardOptions } from '@podkit/kit';
import { LOG_FORMATS } from './log/pipeline.js';

/** Flags and env vars (LOG_ADAPTER_*) of podkit-log-adapter. */
export const logConfigSpec = defineConfig({
  name: 'podkit-log-adapter',
  description:
    'Turns access logs, syslog, CRI container logs or JSON lines into one JSON object per line on stdout.',
  version: '0.1.0',
  envPrefix: 'LOG_ADAPTER_',
  options: {
    ...standardOptions,
    format: { type: 'enum', choices: LOG_FORMATS, required: true, description: 'the input format' },
    innerFormat: {
      type: 'enum',
      choices: ['nginx', 'apache', 'combined', 'syslog', 'json'] as const,
      description:
        'cri: the format of the container lines (default: JSON when it parses, else text)',
    },
    file: { type: 'list', description: 'a file to follow through rotation (repeatable)' },
    stdin: { type: 'boolean', description: 'read lines from stdin' },
    listen: { type: 'string', description: 'accept lines on a Unix socket path or host:port' },
    label: { type: 'list', description: 'a source label k=v added to every record (repeatable)' },
    fromStart: { type: 'boolean', description: 'read files from their start instead of their end' },
    pollInterval: {
      type: 'duration',
      default: '250ms',
      description: 'how often files are checked',
    },
    metricsBind: {
      type: 'hostport',
      description: 'serve log-derived metrics on host:port/metrics',
    },
    metricsNamespace: {
      type: 'string',
      default: 'log',
      description: 'prefix of log-derived metrics',
    },
  },
});
