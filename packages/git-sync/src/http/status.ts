import type { CheckResult, RouteHandler } from '@podkit/kit';
import type { SyncStatus } from '../loop/sync-loop.js';

/** The /status body: times as ISO 8601, the error already redacted by the loop. */
export function statusJson(status: SyncStatus): Record<string, unknown> {
  const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();
  return {
    sha: status.sha ?? null,
    lastAttempt: iso(status.lastAttempt),
    lastSuccess: iso(status.lastSuccess),
    nextAttempt: iso(status.nextAttempt),
    consecutiveFailures: status.consecutiveFailures,
    attempts: status.attempts,
    lastError:
      status.lastError === undefined
        ? null
        : {
            code: status.lastError.code,
            message: status.lastError.message,
            at: iso(status.lastError.at),
          },
  };
}

export function statusRoute(getStatus: () => SyncStatus): RouteHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(`${JSON.stringify(statusJson(getStatus()))}\n`);
  };
}

/**
 * /readyz: ready once a sync has succeeded and the last success is fresher than
 * `maxStalenessMs` — unlike git-sync's `/`, which stays 200 forever after the first success.
 */
export function readiness(
  getStatus: () => SyncStatus,
  maxStalenessMs: number,
  now: () => number = Date.now,
): () => CheckResult {
  return () => {
    const s = getStatus();
    if (s.lastSuccess === undefined) return { ok: false, reason: 'no successful sync yet' };
    const age = now() - s.lastSuccess;
    if (age > maxStalenessMs) {
      return {
        ok: false,
        reason: `last success ${Math.round(age / 1000)}s ago (limit ${Math.round(maxStalenessMs / 1000)}s)${
          s.lastError === undefined ? '' : `: ${s.lastError.message}`
        }`,
      };
    }
    return true;
  };
}
