import { PodkitError, backoffDelay, type BackoffPolicy } from '@podkit/kit';
import { GitSyncErrorCode } from '../errors.js';
import { systemClock, type Clock } from './clock.js';

/**
 * Retry spacing after failed syncs: 1 s doubling to 60 s, each delay shortened by up to 20 %
 * so that instances that failed together spread out (2 · 0.8 > 1: delays still grow).
 */
export const SYNC_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000, factor: 2, jitter: 0.2 };

/** What the loop reports (the body of /status). Times are epoch milliseconds. */
export interface SyncStatus {
  /** The live SHA, once known. */
  sha: string | undefined;
  lastAttempt: number | undefined;
  lastSuccess: number | undefined;
  /** The most recent failure, redacted; cleared by the next success. */
  lastError: { code: string; message: string; at: number } | undefined;
  consecutiveFailures: number;
  /** Attempts so far (successful or not). */
  attempts: number;
  /** When the loop will try next (undefined while a sync runs). */
  nextAttempt: number | undefined;
}

export interface SyncLoopOptions {
  /** One sync; must honour the signal. */
  sync: (signal: AbortSignal) => Promise<{ sha: string; changed: boolean }>;
  /** Wait between successful syncs (--period). */
  periodMs: number;
  /** Bound on one sync (--sync-timeout). Default 120 s. */
  syncTimeoutMs?: number | undefined;
  /** Consecutive failures tolerated before run() rejects; -1 (default) = never. */
  maxFailures?: number | undefined;
  /** Resolve after the first successful sync (init containers). */
  oneTime?: boolean | undefined;
  backoff?: Partial<BackoffPolicy> | undefined;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
  /** Applied to every error message kept in the status. */
  redact?: ((text: string) => string) | undefined;
  /** Called after every attempt (logging, metrics, touch-file, error-file). */
  onAttempt?: ((status: Readonly<SyncStatus>, error: unknown) => void) | undefined;
}

/**
 * Runs syncs forever: every period after a success, with exponential backoff and jitter
 * after failures (a transient error never ends the loop unless --max-failures says so).
 * `trigger()` asks for a sync now; any number of triggers while a sync runs or while
 * waiting collapse into ONE extra sync. During failure backoff a trigger is remembered but
 * does not shorten the wait, so an event storm cannot hammer a failing remote.
 *
 * @example
 *   const loop = new SyncLoop({ sync: (s) => engine.sync(s), periodMs: 10_000 });
 *   await loop.run(stop.signal);
 */
export class SyncLoop {
  readonly #o: SyncLoopOptions;
  readonly #clock: Clock;
  readonly #backoff: BackoffPolicy;
  #status: SyncStatus = {
    sha: undefined,
    lastAttempt: undefined,
    lastSuccess: undefined,
    lastError: undefined,
    consecutiveFailures: 0,
    attempts: 0,
    nextAttempt: undefined,
  };
  #pending = false;
  #wake: AbortController | undefined;
  #running = false;

  constructor(options: SyncLoopOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#backoff = { ...SYNC_BACKOFF, ...options.backoff };
  }

  /** A snapshot of the status. */
  status(): SyncStatus {
    return {
      ...this.#status,
      lastError: this.#status.lastError && { ...this.#status.lastError },
    };
  }

  /** Requests a sync as soon as possible (webhook, signal). Bursts coalesce. */
  trigger(): void {
    this.#pending = true;
    this.#wake?.abort();
  }

  /**
   * Loops until `signal` aborts (resolves), `oneTime` succeeds (resolves), or failures exceed
   * maxFailures (rejects with GIT_SYNC_TOO_MANY_FAILURES, the last error as cause).
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new Error('SyncLoop.run() is already running');
    this.#running = true;
    try {
      while (!signal.aborted) {
        this.#pending = false;
        this.#status.nextAttempt = undefined;
        const ok = await this.#attempt(signal);
        if (isAborted(signal)) return; // stopped while the sync ran
        if (ok && this.#o.oneTime === true) return;
        const max = this.#o.maxFailures ?? -1;
        if (!ok && max >= 0 && this.#status.consecutiveFailures > max) {
          const last = this.#status.lastError;
          throw new PodkitError(
            GitSyncErrorCode.GIT_SYNC_TOO_MANY_FAILURES,
            `${this.#status.consecutiveFailures} consecutive sync failures (max ${max}); last: ${last?.message ?? 'unknown'}`,
            { hint: 'raise --max-failures, or -1 to retry forever' },
          );
        }
        if (ok && this.#triggered()) continue; // triggered while syncing: go again at once
        const delay = ok
          ? this.#o.periodMs
          : backoffDelay(this.#status.consecutiveFailures, this.#backoff, this.#o.random);
        this.#status.nextAttempt = this.#clock.now() + delay;
        const wake = new AbortController();
        if (ok) this.#wake = wake; // only a healthy loop can be woken early
        await this.#clock.sleep(delay, AbortSignal.any([signal, wake.signal]));
        this.#wake = undefined;
      }
    } finally {
      this.#running = false;
    }
  }

  /** Read through a method: `trigger()` flips the flag while run() awaits. */
  #triggered(): boolean {
    return this.#pending;
  }

  async #attempt(stop: AbortSignal): Promise<boolean> {
    const s = this.#status;
    s.attempts++;
    s.lastAttempt = this.#clock.now();
    const timeout = AbortSignal.timeout(this.#o.syncTimeoutMs ?? 120_000);
    let error: unknown;
    try {
      const result = await this.#o.sync(AbortSignal.any([stop, timeout]));
      s.sha = result.sha;
      s.lastSuccess = this.#clock.now();
      s.lastError = undefined;
      s.consecutiveFailures = 0;
    } catch (err) {
      if (stop.aborted) return false; // shutting down: not a failure
      error = timeout.aborted
        ? new PodkitError(
            GitSyncErrorCode.GIT_SYNC_TIMEOUT,
            `sync timed out after ${this.#o.syncTimeoutMs ?? 120_000} ms`,
            { cause: err },
          )
        : err;
      const redact = this.#o.redact ?? ((t: string) => t);
      s.consecutiveFailures++;
      s.lastError = {
        code: error instanceof PodkitError ? error.code : GitSyncErrorCode.GIT_SYNC_UNEXPECTED,
        message: redact(error instanceof Error ? error.message : String(error)),
        at: this.#clock.now(),
      };
    }
    this.#o.onAttempt?.(this.status(), error);
    return error === undefined;
  }
}

/** Read through a call: the signal can abort while run() awaits, which flow analysis misses. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
