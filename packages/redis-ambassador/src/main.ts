#!/usr/bin/env node
import { once } from 'node:events';
import {
  configToLog,
  createLogger,
  parseConfig,
  runMain,
  secretKeys,
  startHealthServer,
} from '@podkit/kit';
import { configSpec, passwordFromFile, resolveNodes } from './cli-config.js';
import { AmbassadorMetrics } from './metrics.js';
import { formatEndpoint } from './router/address.js';
import { createAmbassador, type Ambassador } from './router/ambassador.js';

/*
 * podkit-redis-ambassador: flags/env → kit logger, health server and shutdown → createAmbassador.
 * Exit codes: 0 after a clean shutdown, 2 for bad flags or configuration, 1 otherwise.
 */
void runMain(
  async (ctx) => {
    const cfg = parseConfig(configSpec, process.argv.slice(2), process.env);
    const nodes = resolveNodes(cfg);
    const password =
      cfg.passwordFile === undefined ? undefined : passwordFromFile(cfg.passwordFile);
    const log = createLogger({
      name: 'podkit-redis-ambassador',
      level: cfg.logLevel,
      redact: secretKeys(configSpec),
    });
    log.info({ config: configToLog(cfg, configSpec) }, 'starting');

    // Set once the ambassador runs; the readiness check reads it.
    const state: { amb?: Ambassador } = {};
    const http = await startHealthServer({
      host: cfg.httpBind.host,
      port: cfg.httpBind.port,
      defaultMetrics: true,
      logger: log,
      checks: {
        readiness: () =>
          state.amb === undefined
            ? { ok: false, reason: 'starting' }
            : state.amb.ready
              ? true
              : { ok: false, reason: `master ${state.amb.topology.master.name} not reachable` },
      },
    });
    ctx.onShutdown(() => http.close(), 'http');
    log.info({ url: http.url }, 'http listening');

    const running = await createAmbassador({
      listen: { host: cfg.listen.host, port: cfg.listen.port },
      master: nodes.master,
      replicas: nodes.replicas,
      sentinels: nodes.sentinels,
      masterName: cfg.masterName,
      readFrom: cfg.readFrom,
      readYourWrites: cfg.readYourWrites === 'on',
      balance: cfg.balance,
      replicaWeights: nodes.weights,
      password,
      healthIntervalMs: cfg.healthInterval,
      metrics: new AmbassadorMetrics(http.registry),
      log,
      signal: ctx.signal,
    });
    state.amb = running;
    ctx.onShutdown(() => running.close(), 'ambassador');
    log.info(
      {
        listen: formatEndpoint(running.address),
        master: running.topology.master.name,
        replicas: running.topology.replicas.map((r) => r.name),
        commands: running.commandSource,
      },
      'listening',
    );
    if (!ctx.signal.aborted) await once(ctx.signal, 'abort');
  },
  { name: 'podkit-redis-ambassador', exitCodes: { AMBASSADOR_CONFIG: 2 } },
);
