#!/usr/bin/env node
import { configToLog, createLogger, parseConfig, runMain, secretKeys } from '@podkit/kit';
import { adapterError, AdapterErrorCode } from './errors.js';
import { metricsConfigSpec } from './metrics-config.js';
import { SelfMetrics } from './server/self-metrics.js';
import { startMetricsServer } from './server/metrics-server.js';
import { redactUrl, type HttpAuth } from './sources/http-get.js';
import type { TargetSource } from './sources/source.js';

// Each source, the YAML mapping files and the StatsD server are imported when the
// configuration asks for them (bundled, they are chunks of their own: scripts/bundle.ts), so
// an adapter loads only the code it runs.

/**
 * Refuses a `--target` that carries credentials (a command line is readable by every process
 * on the host, and ends up in pod specs and logs) and a malformed Redis address, before
 * anything is logged.
 */
async function checkTarget(source: string, target: string): Promise<void> {
  if (redactUrl(target) !== target) {
    throw adapterError(
      AdapterErrorCode.ADAPTER_CONFIG,
      `--target ${redactUrl(target)}: credentials do not belong in a flag or variable`,
      {
        hint:
          source === 'redis'
            ? 'give the password with --password-file (and the ACL user with --username)'
            : 'give them with --username and --password-file, or --bearer-token-file',
      },
    );
  }
  if (source === 'redis') (await import('./sources/redis-client.js')).parseRedisTarget(target);
}

/*
 * podkit-metrics-adapter: flags/env → one source (+ optional StatsD) → /metrics.
 * Exit codes: 0 after SIGTERM, 2 for bad flags or mapping files, 1 otherwise.
 */
void runMain(
  async (ctx) => {
    const cfg = parseConfig(metricsConfigSpec, process.argv.slice(2), process.env);
    if (cfg.target !== undefined) await checkTarget(cfg.source, cfg.target);
    const log = createLogger({
      name: metricsConfigSpec.name,
      level: cfg.logLevel,
      redact: secretKeys(metricsConfigSpec),
    });
    log.info({ config: configToLog(cfg, metricsConfigSpec) }, 'starting');

    const auth: HttpAuth = {
      bearerTokenFile: cfg.bearerTokenFile,
      username: cfg.username,
      passwordFile: cfg.passwordFile,
    };
    const ns = cfg.namespace;
    let source: TargetSource | undefined;
    switch (cfg.source) {
      case 'redis': {
        const { RedisSource } = await import('./sources/redis-source.js');
        source = new RedisSource({
          passwordFile: cfg.passwordFile,
          username: cfg.username,
          namespace: ns,
        });
        break;
      }
      case 'nginx': {
        const { NginxSource } = await import('./sources/nginx-source.js');
        source = new NginxSource({ namespace: ns, auth });
        break;
      }
      case 'json': {
        if (cfg.mappingFile === undefined)
          throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, '--source json needs --mapping-file');
        const [{ JsonSource, parseJsonMapping }, { loadYamlFile }] = await Promise.all([
          import('./sources/json-source.js'),
          import('./sources/mapping-config.js'),
        ]);
        source = new JsonSource({
          metrics: parseJsonMapping(loadYamlFile(cfg.mappingFile)),
          namespace: ns,
          auth,
        });
        break;
      }
      case 'prometheus': {
        const [{ PrometheusSource }, { parseRelabelRules }, { loadYamlFile }] = await Promise.all([
          import('./sources/prometheus-source.js'),
          import('./sources/relabel.js'),
          import('./sources/mapping-config.js'),
        ]);
        source = new PrometheusSource({
          rules:
            cfg.mappingFile === undefined ? [] : parseRelabelRules(loadYamlFile(cfg.mappingFile)),
          namespace: ns,
          auth,
        });
        break;
      }
      case 'none':
        break;
    }
    if (source !== undefined && cfg.target === undefined && !cfg.multiTarget) {
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        `--source ${cfg.source} needs --target or --multi-target`,
      );
    }

    const self = new SelfMetrics();
    const registries = [];
    if (cfg.statsdUdp !== undefined || cfg.statsdTcp !== undefined) {
      const [{ StatsdMapper }, { startStatsdServer }, { StatsdStore }, { loadYamlFile }] =
        await Promise.all([
          import('./statsd/statsd-mapping.js'),
          import('./statsd/statsd-server.js'),
          import('./statsd/statsd-store.js'),
          import('./sources/mapping-config.js'),
        ]);
      const mapper = new StatsdMapper(
        cfg.statsdMappingFile === undefined ? {} : loadYamlFile(cfg.statsdMappingFile),
      );
      const store = new StatsdStore(mapper, (outcome) => {
        self.statsdEvents.inc({ outcome });
      });
      registries.push(store.registry);
      const host = cfg.statsdUdp?.host ?? cfg.statsdTcp?.host ?? '127.0.0.1';
      // One of the two may be unset: it then gets a free port on the same host and is unused.
      const statsd = await startStatsdServer(store, {
        host,
        udpPort: cfg.statsdUdp?.port ?? 0,
        tcpPort: cfg.statsdTcp?.port ?? 0,
      });
      ctx.onShutdown(() => statsd.close(), 'statsd');
      log.info({ udp: statsd.udp, tcp: statsd.tcp }, 'statsd listening');
    }

    const server = await startMetricsServer({
      host: cfg.httpBind.host,
      port: cfg.httpBind.port,
      source,
      target: cfg.target,
      multiTarget: cfg.multiTarget,
      timeoutMs: cfg.timeout,
      registries,
      openMetrics: !cfg.textOnly,
      self,
      logger: log,
    });
    ctx.onShutdown(() => server.close(), 'http');
    log.info({ url: server.url }, 'listening');
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else
        ctx.signal.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
    });
  },
  { name: 'podkit-metrics-adapter', exitCodes: { ADAPTER_CONFIG: 2 } },
);
