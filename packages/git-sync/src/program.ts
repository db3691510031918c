import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import {
  PodkitError,
  configToLog,
  createLogger,
  parseConfig,
  secretKeys,
  startHealthServer,
  type Main,
} from '@podkit/kit';
import { defaultLink, gitSyncConfig } from './config.js';
import { authSetup } from './git/auth.js';
import { readCredentialSecrets } from './git/credentials.js';
import { parseGitConfig } from './git/git-config.js';
import { syncMetrics, type SyncMetrics } from './http/metrics.js';
import { readiness, statusRoute } from './http/status.js';
import { webhookRoute } from './http/webhook.js';
import { GitSyncErrorCode } from './errors.js';
import { SyncLoop } from './loop/sync-loop.js';
import { execHook } from './sync/exec-hook.js';
import { SyncEngine, type SyncResult } from './sync/engine.js';
import { worktreePath } from './sync/layout.js';
import { Notifier } from './sync/notifier.js';
import { outboundWebhook } from './sync/outbound-webhook.js';

/**
 * The podkit-git-sync program: config from flags + GITSYNC_* env, the sync loop, post-publish
 * notifications, and (with --http-bind) the health/status/metrics/webhook server. Returns
 * when stopped or after --one-time.
 *
 * @example void runMain(gitSyncProgram(process.argv.slice(2), process.env), { name: 'podkit-git-sync' });
 */
export function gitSyncProgram(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Main {
  return async (ctx) => {
    const cfg = parseConfig(gitSyncConfig, argv, env);
    const syncSignal = cfg.syncOnSignal === undefined ? undefined : signalName(cfg.syncOnSignal);
    const log = createLogger({
      name: 'podkit-git-sync',
      // git-sync's -v: 4 and above is its debug detail.
      level: cfg.verbose >= 4 && cfg.logLevel === 'info' ? 'debug' : cfg.logLevel,
      redact: secretKeys(gitSyncConfig),
    });
    const link = cfg.link === '' ? defaultLink(cfg.repo) : cfg.link;
    const envCredential = env['GITSYNC_CREDENTIAL'];
    const auth = authSetup({
      repo: cfg.repo,
      username: cfg.username,
      password: cfg.password,
      passwordFile: cfg.passwordFile,
      credentials:
        cfg.credential.length > 0 || envCredential === undefined || envCredential === ''
          ? cfg.credential
          : [envCredential],
      sshKeyFiles: cfg.sshKeyFile,
      sshKnownHosts: cfg.sshKnownHosts,
      sshKnownHostsFile: cfg.sshKnownHostsFile,
    });
    if (cfg.groupWrite) {
      // git-sync does the same: every file it (and git) creates is group-writable, so a
      // consumer running with another uid in the group can manage the volume.
      process.umask(0o002);
    }
    const registry = new Registry();
    const metrics: SyncMetrics | undefined = cfg.httpMetrics ? syncMetrics(registry) : undefined;

    const engine = new SyncEngine({
      repo: cfg.repo,
      ref: cfg.ref,
      depth: cfg.depth,
      root: cfg.root,
      link,
      keep: cfg.keep,
      staleAfterMs: cfg.staleWorktreeTimeout,
      gitTimeoutMs: cfg.syncTimeout,
      gitPath: cfg.git,
      submodules: cfg.submodules,
      sparseCheckoutFile: cfg.sparseCheckoutFile,
      gitConfig: {
        ...(cfg.gitConfig === undefined ? {} : parseGitConfig(cfg.gitConfig)),
        ...(cfg.groupWrite ? { 'core.sharedRepository': 'group' } : {}),
        ...auth.config,
      },
      gitEnv: auth.env,
      prePublish:
        cfg.prepublishCommand === undefined
          ? undefined
          : execHook([cfg.prepublishCommand], { timeoutMs: cfg.prepublishTimeout }),
      onGitSpawn: (args) => {
        if (args.find((a) => !a.startsWith('-')) === 'fetch') metrics?.fetch();
      },
      onEvent: (event) => {
        log.info(event, event.type);
      },
    });
    const redact = (s: string): string => engine.redactor.redact(s);
    for (const entry of auth.entries) {
      if (entry.password !== undefined) engine.redactor.add(entry.password);
    }
    log.info(
      { config: { ...configToLog(cfg, gitSyncConfig), repo: redact(cfg.repo), link } },
      'starting',
    );

    const notifiers: Notifier[] = [];
    const onNotified = (name: string) => (sha: string, error: unknown) => {
      metrics?.hook(name, error === undefined);
      if (error === undefined) log.info({ sha, hook: name }, 'hook done');
      else
        log.warn(
          {
            sha,
            hook: name,
            error: redact(error instanceof Error ? error.message : 'unknown error'),
          },
          'hook failed (will retry)',
        );
    };
    if (cfg.exechookCommand !== undefined) {
      const hook = execHook([cfg.exechookCommand], {
        timeoutMs: cfg.exechookTimeout,
        label: 'exechook',
      });
      notifiers.push(
        new Notifier({
          name: 'exechook',
          backoffMs: cfg.exechookBackoff,
          run: (sha, signal) => hook({ sha, path: worktreePath(engine.layout, sha), signal }),
          onResult: onNotified('exechook'),
        }),
      );
    }
    if (cfg.webhookUrl !== undefined) {
      engine.redactor.addUrlCredentials(cfg.webhookUrl);
      notifiers.push(
        new Notifier({
          name: 'webhook',
          backoffMs: cfg.webhookBackoff,
          run: outboundWebhook({
            url: cfg.webhookUrl,
            method: cfg.webhookMethod,
            successStatus: cfg.webhookSuccessStatus,
            timeoutMs: cfg.webhookTimeout,
          }),
          onResult: onNotified('webhook'),
        }),
      );
    }
    ctx.onShutdown(
      () => Promise.all(notifiers.map((n) => n.close())).then(() => undefined),
      'hooks',
    );

    let notifiedOnce = false;
    const syncOnce = async (signal: AbortSignal): Promise<SyncResult> => {
      const started = performance.now();
      try {
        // Re-read password files now: a rotated secret is used (and masked) from this sync on.
        for (const secret of await readCredentialSecrets(auth.entries)) {
          engine.redactor.add(secret);
        }
        const result = await engine.sync(signal);
        metrics?.sync(result.changed ? 'success' : 'noop', (performance.now() - started) / 1000);
        metrics?.live(result.sha, Date.now());
        // Hooks after every publish, and once at start-up for a tree published before a restart.
        if (result.changed || !notifiedOnce) {
          notifiedOnce = true;
          for (const n of notifiers) n.notify(result.sha);
        }
        return result;
      } catch (err) {
        // Shutdown is not a failed sync; a timeout is.
        if (!ctx.signal.aborted) metrics?.sync('error', (performance.now() - started) / 1000);
        throw err;
      }
    };

    const loop = new SyncLoop({
      sync: syncOnce,
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
    // As in git-sync: absolute, or relative to --root.
    const touchFile =
      cfg.touchFile === undefined ? undefined : path.resolve(cfg.root, cfg.touchFile);
    const errorFile =
      cfg.errorFile === undefined ? undefined : path.resolve(cfg.root, cfg.errorFile);
    const afterAttempt = async (message: string | undefined, ok: boolean): Promise<void> => {
      try {
        if (ok && touchFile !== undefined) {
          const now = new Date();
          await fs.utimes(touchFile, now, now).catch(() => fs.writeFile(touchFile, ''));
        }
        if (errorFile !== undefined) {
          if (ok) await fs.rm(errorFile, { force: true });
          else await fs.writeFile(errorFile, `${message ?? 'unknown error'}\n`);
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
        registry,
        defaultMetrics: true,
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
          // git-sync's own probe endpoint: 503 until the first successful sync, then 200.
          'GET /': (_req, res) => {
            const synced = loop.status().lastSuccess !== undefined;
            res.writeHead(synced ? 200 : 503, { 'content-type': 'text/plain' });
            res.end(synced ? 'ok\n' : 'repo is not ready\n');
          },
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
    if (syncSignal !== undefined) {
      const signal = syncSignal;
      const onSignal = (): void => {
        log.debug({ signal }, 'sync requested by signal');
        loop.trigger();
      };
      process.on(signal, onSignal);
      ctx.onShutdown(() => {
        process.off(signal, onSignal);
      }, 'signal');
    }
    await loop.run(ctx.signal);
    if (cfg.oneTime) {
      // An init container's hooks get their first delivery attempt (not endless retries).
      const bound = Math.max(cfg.exechookTimeout, cfg.webhookTimeout) + 1000;
      await Promise.race([
        Promise.all(notifiers.map((n) => n.idle())),
        new Promise((resolve) => setTimeout(resolve, bound).unref()),
      ]);
      log.info({ sha: loop.status().sha }, 'one-time sync done');
    }
  };
}

/** git-sync's --sync-on-signal value (`SIGHUP`, `HUP` or a number) as a Node signal name. */
function signalName(raw: string): NodeJS.Signals {
  const upper = raw.trim().toUpperCase();
  const byNumber = Object.entries(os.constants.signals).find(([, n]) => String(n) === upper);
  const name = byNumber?.[0] ?? (upper.startsWith('SIG') ? upper : `SIG${upper}`);
  const forbidden = ['SIGKILL', 'SIGSTOP', 'SIGTERM', 'SIGINT'];
  if (!(name in os.constants.signals) || forbidden.includes(name)) {
    throw new PodkitError(
      GitSyncErrorCode.GIT_SYNC_OPTION_INVALID,
      `--sync-on-signal ${JSON.stringify(raw)} is not a signal a sync can be tied to`,
      { hint: 'use e.g. SIGHUP or SIGUSR1 (SIGTERM and SIGINT stop the program)' },
    );
  }
  return name as NodeJS.Signals;
}

/** The event refs that concern --ref (a short name may be a branch or a tag). */
function webhookRefs(ref: string): string[] | undefined {
  if (ref === 'HEAD' || /^[0-9a-f]{40,64}$/i.test(ref)) return undefined; // any push may move it
  if (ref.startsWith('refs/')) return [ref];
  return [`refs/heads/${ref}`, `refs/tags/${ref}`];
}
