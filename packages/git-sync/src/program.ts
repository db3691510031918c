import fs from 'node:fs/promises';
import {
  configToLog,
  createLogger,
  parseConfig,
  secretKeys,
  startHealthServer,
  type Main,
} from '@podkit/kit';
import { defaultLink, gitSyncConfig } from './config.js';
import { readiness, statusRoute } from './http/status.js';
import { webhookRoute } from './http/webhook.js';
import { SyncLoop } from './loop/sync-loop.js';
import { execHook } from './sync/exec-hook.js';
import { SyncEngine } from './sync/engine.js';

/**
 * The podkit-git-sync program: config from flags + GITSYNC_* env, the sync loop, and (with
 * --http-bind) the health/status/webhook server. Returns when stopped or after --one-time.
 *
 * @example void runMain(gitSyncProgram(process.argv.slice(2), process.env), { name: 'podkit-git-sync' });
 */
export function gitSyncProgram(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Main {
  return async (ctx) => {
    const cfg = parseConfig(gitSyncConfig, argv, env);
    const log = createLogger({
      name: 'podkit-git-sync',
      level: cfg.logLevel,
      redact: secretKeys(gitSyncConfig),
    });
    const link = cfg.link === '' ? defaultLink(cfg.repo) : cfg.link;
    const engine = new SyncEngine({
      repo: cfg.repo,
      ref: cfg.ref,
      depth: cfg.depth,
      root: cfg.root,
      link,
      keep: cfg.keep,
      staleAfterMs: cfg.staleWorktreeTimeout,
      gitTimeoutMs: cfg.syncTimeout,
      prePublish:
        cfg.prepublishCommand === undefined
          ? undefined
          : execHook([cfg.prepublishCommand], { timeoutMs: cfg.prepublishTimeout }),
      onEvent: (event) => {
        log.info(event, event.type);
      },
    });
    const redact = (s: string): string => engine.redactor.redact(s);
    log.info(
      { config: { ...configToLog(cfg, gitSyncConfig), repo: redact(cfg.repo), link } },
      'starting',
    );

    const loop = new SyncLoop({
      sync: (signal) => engine.sync(signal),
      periodMs: cfg.period,
      syncTimeoutMs: cfg.syncTimeout,
      maxFailures: cfg.maxFailures,
      oneTime: cfg.oneTime,
      redact,
      onAttempt: (status, error) => {
        void afterAttempt(status.lastError?.message, error === undefined);
        if (error === undefined) log.debug({ sha: status.sha }, 'synced');
        else
          log.warn(
            { error: status.lastError, failures: status.consecutiveFailures },
            'sync failed',
          );
      },
    });
    const afterAttempt = async (message: string | undefined, ok: boolean): Promise<void> => {
      try {
        const touchFile = cfg.touchFile;
        if (ok && touchFile !== undefined) {
          const now = new Date();
          await fs.utimes(touchFile, now, now).catch(() => fs.writeFile(touchFile, ''));
        }
        if (cfg.errorFile !== undefined) {
          if (ok) await fs.rm(cfg.errorFile, { force: true });
          else await fs.writeFile(cfg.errorFile, `${message ?? 'unknown error'}\n`);
        }
      } catch (err) {
        log.warn({ err }, 'cannot update touch/error file');
      }
    };

    if (cfg.httpBind !== undefined) {
      const staleness =
        cfg.readyStaleness > 0 ? cfg.readyStaleness : 3 * cfg.period + cfg.syncTimeout;
      const inbound = {
        githubSecret: cfg.inboundGithubSecret,
        gitlabToken: cfg.inboundGitlabToken,
        bearerToken: cfg.inboundToken,
      };
      const hasInbound = Object.values(inbound).some((v) => v !== undefined);
      const server = await startHealthServer({
        host: cfg.httpBind.host,
        port: cfg.httpBind.port,
        logger: log,
        checks: {
          // Alive unless one sync has run far past its own timeout (a wedged loop).
          liveness: () => {
            const s = loop.status();
            const running = s.nextAttempt === undefined && s.lastAttempt !== undefined;
            return !running || Date.now() - (s.lastAttempt ?? 0) < cfg.syncTimeout + 60_000;
          },
          readiness: readiness(() => loop.status(), staleness),
        },
        routes: {
          'GET /status': statusRoute(() => loop.status()),
          ...(hasInbound
            ? {
                'POST /webhook': webhookRoute({
                  ...inbound,
                  refs: webhookRefs(cfg.ref),
                  trigger: () => {
                    loop.trigger();
                  },
                }),
              }
            : {}),
        },
      });
      ctx.onShutdown(() => server.close(), 'http');
      log.info({ url: server.url, webhook: hasInbound }, 'http listening');
    }
    await loop.run(ctx.signal);
    if (cfg.oneTime) log.info({ sha: loop.status().sha }, 'one-time sync done');
  };
}

/** The event refs that concern --ref (a short name may be a branch or a tag). */
function webhookRefs(ref: string): string[] | undefined {
  if (ref === 'HEAD' || /^[0-9a-f]{40,64}$/i.test(ref)) return undefined; // any push may move it
  if (ref.startsWith('refs/')) return [ref];
  return [`refs/heads/${ref}`, `refs/tags/${ref}`];
}
