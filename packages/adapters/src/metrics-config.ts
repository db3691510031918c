import { defineConfig, standardOptions } from '@podkit/kit';

/** Flags and env vars (METRICS_ADAPTER_*) of podkit-metrics-adapter. */
export const metricsConfigSpec = defineConfig({
  name: 'podkit-metrics-adapter',
  description:
    'Turns Redis INFO, nginx stub_status, JSON stats, StatsD or another Prometheus endpoint into Prometheus/OpenMetrics on one /metrics endpoint.',
  version: '0.1.0',
  envPrefix: 'METRICS_ADAPTER_',
  options: {
    ...standardOptions,
    source: {
      type: 'enum',
      choices: ['none', 'redis', 'nginx', 'json', 'prometheus'] as const,
      default: 'none',
      description: 'what the main container speaks (none: only StatsD and self-metrics)',
    },
    target: {
      type: 'string',
      description: 'what /metrics reads: host:port for redis, a URL for nginx/json/prometheus',
    },
    multiTarget: {
      type: 'boolean',
      description: 'also serve /scrape?target=… (any target of the source)',
    },
    httpBind: {
      type: 'hostport',
      // Loopback unless configured: a pod's adapter is given `:PORT` explicitly.
      default: '127.0.0.1:9150',
      description: 'the /metrics endpoint (`:PORT` listens on every address)',
    },
    timeout: {
      type: 'duration',
      default: '5s',
      description: 'longest read of the upstream per scrape',
    },
    namespace: {
      type: 'string',
      description: 'metric prefix and <ns>_up name (default: the source)',
    },
    mappingFile: {
      type: 'string',
      description: 'json: the JSONPath mapping (YAML); prometheus: relabel rules (YAML list)',
    },
    passwordFile: {
      type: 'string',
      secret: true,
      description: 'redis: AUTH password file; http: basic-auth password file',
    },
    username: { type: 'string', description: 'redis ACL user or basic-auth user' },
    bearerTokenFile: {
      type: 'string',
      secret: true,
      description: 'http sources: bearer token file',
    },
    statsdUdp: {
      type: 'hostport',
      description: 'listen for StatsD over UDP (e.g. 127.0.0.1:9125)',
    },
    statsdTcp: { type: 'hostport', description: 'listen for StatsD over TCP' },
    statsdMappingFile: { type: 'string', description: 'statsd_exporter-style mapping (YAML)' },
    textOnly: { type: 'boolean', description: 'serve only text 0.0.4, never OpenMetrics' },
  },
});
