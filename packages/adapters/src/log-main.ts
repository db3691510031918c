#!/usr/bin/env node
import { configToLog, createLogger, parseConfig, runMain } from '@podkit/kit';
import { adapterError, AdapterErrorCode } from './errors.js';
import { followFile } from './log/follow-file.js';
import { listenForLines, readLines } from './log/line-sources.js';
import { LogMetrics } from './log/log-metrics.js';
import { LogPipeline } from './log/pipeline.js';
import { logConfigSpec } from './log-config.js';
import { startMetricsServer } from './server/metrics-server.js';

/*
 * podkit-log-adapter: files/stdin/socket → parser → one JSON object per line on stdout.
 * Its own logs go to stderr, so stdout carries only records. Exit codes: 0 after SIGTERM
 * (or at the end of stdin when it is the only input), 2 for bad flags, 1 otherwise.
 */
void runMain(
  async (ctx) => {
    const cfg = parseConfig(logConfigSpec, process.argv.slice(2), process.env);
    const log = createLogger({
      name: logConfigSpec.name,
      level: cfg.logLevel,
      destination: {
        write: (line: string) => {
          process.stderr.write(line);
        },
      },
    });
    log.info({ config: configToLog(cfg, logConfigSpec) }, 'starting');
    const labels: Record<string, string> = {};
    for (const l of cfg.label) {
      const eq = l.indexOf('=');
      if (eq <= 0)
        throw adapterError(AdapterErrorCode.ADAPTER_CONFIG, `--label "${l}": expected key=value`);
      labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
    if (cfg.file.length === 0 && !cfg.stdin && cfg.listen === undefined) {
      throw adapterError(
        AdapterErrorCode.ADAPTER_CONFIG,
        'no input: give --file, --stdin or --listen',
      );
    }
    const metrics =
      cfg.metricsBind === undefined ? undefined : new LogMetrics(cfg.metricsNamespace);
    const pipeline = new LogPipeline({
      format: cfg.format,
      innerFormat: cfg.innerFormat,
      labels,
      out: process.stdout,
      metrics,
    });
    if (metrics !== undefined && cfg.metricsBind !== undefined) {
      const server = await startMetricsServer({
        host: cfg.metricsBind.host,
        port: cfg.metricsBind.port,
        registries: [metrics.registry],
        logger: log,
      });
      ctx.onShutdown(() => server.close(), 'http');
      log.info({ url: server.url }, 'metrics listening');
    }
    const inputs: Promise<void>[] = cfg.file.map((file) =>
      followFile(file, {
        signal: ctx.signal,
        pollMs: cfg.pollInterval,
        fromStart: cfg.fromStart,
        onLine: (l) => pipeline.push(l, { file }),
      }),
    );
    if (cfg.listen !== undefined) {
      const m = /^(.*):(\d+)$/.exec(cfg.listen);
      const address =
        m === null
          ? { path: cfg.listen }
          : { host: m[1] === '' ? '0.0.0.0' : (m[1] ?? ''), port: Number(m[2]) };
      const listener = await listenForLines(address, (l, peer) => pipeline.push(l, { peer }));
      ctx.onShutdown(() => listener.close(), 'listen');
      log.info({ address: listener.address }, 'listening for lines');
    }
    if (cfg.stdin) inputs.push(readLines(process.stdin, (l) => pipeline.push(l)));
    await Promise.all(inputs);
    await pipeline.flush();
    if (cfg.file.length > 0 || cfg.listen !== undefined) {
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
      await pipeline.flush();
    }
  },
  { name: 'podkit-log-adapter', exitCodes: { ADAPTER_CONFIG: 2 } },
);
