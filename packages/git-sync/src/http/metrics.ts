import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Outcome label of a sync, as git-sync: `success` (moved), `noop` (unchanged), `error`. */
export type SyncOutcome = 'success' | 'noop' | 'error';

export interface SyncMetrics {
  sync(outcome: SyncOutcome, seconds: number): void;
  fetch(): void;
  hook(name: string, ok: boolean): void;
  /** After a successful sync: the live SHA and when. */
  live(sha: string, atMs: number): void;
}

/**
 * git-sync's metric names (git_sync_duration_seconds, git_sync_count_total,
 * git_fetch_count_total, git_sync_hook_run_count_total) plus what it lacks: the last
 * success time and the live revision, registered in `registry` (the one /metrics serves).
 *
 * @example const m = syncMetrics(new Registry()); m.sync('success', 0.4);
 */
export function syncMetrics(registry: Registry): SyncMetrics {
  const registers = [registry];
  const duration = new Histogram({
    name: 'git_sync_duration_seconds',
    help: 'Time taken by each sync attempt, by outcome.',
    labelNames: ['status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const count = new Counter({
    name: 'git_sync_count_total',
    help: 'Sync attempts, by outcome.',
    labelNames: ['status'],
    registers,
  });
  const fetches = new Counter({
    name: 'git_fetch_count_total',
    help: 'git fetch commands run.',
    registers,
  });
  const hooks = new Counter({
    name: 'git_sync_hook_run_count_total',
    help: 'Post-publish exec hook and webhook deliveries, by name and outcome.',
    labelNames: ['name', 'status'],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'git_sync_last_success_timestamp_seconds',
    help: 'Unix time of the last successful sync.',
    registers,
  });
  const revision = new Gauge({
    name: 'git_sync_revision_info',
    help: 'The revision currently published (value 1).',
    labelNames: ['sha'],
    registers,
  });
  let shown: string | undefined;
  return {
    sync(outcome, seconds) {
      duration.observe({ status: outcome }, seconds);
      count.inc({ status: outcome });
    },
    fetch() {
      fetches.inc();
    },
    hook(name, ok) {
      hooks.inc({ name, status: ok ? 'success' : 'error' });
    },
    live(sha, atMs) {
      lastSuccess.set(atMs / 1000);
      if (sha !== shown) {
        revision.reset(); // exactly one series: the live SHA
        revision.set({ sha }, 1);
        shown = sha;
      }
    },
  };
}
