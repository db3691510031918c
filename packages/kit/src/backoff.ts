import { KitErrorCode, PodkitError } from './errors.js';

/**
 * How retries are spaced: exponential from `baseMs` by `factor`, capped at `capMs`.
 *
 * @example
 *   // kubelet's CrashLoopBackOff: 0, 10 s, 20 s, 40 s … 300 s; reset after 10 min running
 *   const crashLoop: BackoffPolicy = {
 *     baseMs: 10_000, capMs: 300_000, firstImmediate: true, resetAfterMs: 600_000,
 *   };
 */
export interface BackoffPolicy {
  /** The first delay (the second when `firstImmediate`). */
  baseMs: number;
  /** No delay is longer than this (before jitter). */
  capMs: number;
  /** Growth per consecutive retry (default 2). */
  factor?: number | undefined;
  /** Fraction of each delay that is randomised, 0..1 (default 0: exact delays). */
  jitter?: number | undefined;
  /**
   * `shorten` (default): the delay is scaled by `1 - jitter·r`, never longer than the
   * exponential one; with `factor·(1 - jitter) > 1` delays still grow strictly up to the cap.
   * `spread`: scaled by `1 + jitter·(2r - 1)`, i.e. ±jitter around it.
   */
  jitterMode?: 'shorten' | 'spread' | undefined;
  /** The first retry waits 0, the next `baseMs` (kubelet's container restarts). */
  firstImmediate?: boolean | undefined;
  /** A run that lasted this long (from `started()` to `next(now)`) resets the series. */
  resetAfterMs?: number | undefined;
}

/**
 * What a Backoff remembers: plain JSON, so a process can persist it and restore the series
 * after its own restart. `delayMs` is the delay (before jitter) the next retry will wait.
 */
export interface BackoffState {
  delayMs: number;
  /** When the thing retried last started (`started(now)`), or null. */
  lastStartedAt: number | null;
}

/** Options of a Backoff besides its policy. */
export interface BackoffOptions {
  /** A state saved earlier (`backoff.state`), e.g. read back from disk. */
  state?: BackoffState | undefined;
  /** Source of jitter in [0, 1) (default Math.random); inject a constant in tests. */
  random?: (() => number) | undefined;
}

/**
 * The one retry-delay state machine of podkit: pure state, no timers, time passed in. The
 * caller sleeps (with its own clock and AbortSignal) for what `next()` returns.
 *
 * @example
 *   const backoff = new Backoff({ baseMs: 1000, capMs: 60_000, jitter: 0.2 });
 *   for (;;) {
 *     try { await attempt(); backoff.reset(); await sleep(period); }
 *     catch { await sleep(backoff.next()); }
 *   }
 */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #delayMs: number;
  #lastStartedAt: number | null;

  constructor(policy: BackoffPolicy, options: BackoffOptions = {}) {
    assertPolicy(policy);
    this.#policy = policy;
    this.#random = options.random ?? Math.random;
    const state = options.state === undefined ? undefined : checkedState(options.state);
    this.#delayMs = state?.delayMs ?? initialDelay(policy);
    this.#lastStartedAt = state?.lastStartedAt ?? null;
  }

  /** Records that the thing retried started now (for `resetAfterMs`). */
  started(now: number): void {
    this.#lastStartedAt = now;
  }

  /**
   * The wait before the next retry, and one step further along the series. With `now`, a
   * run since `started()` of at least `resetAfterMs` first resets the series; leave `now`
   * out when the attempt did not run (it failed to start), so no reset applies.
   */
  next(now?: number): number {
    const { resetAfterMs } = this.#policy;
    if (
      now !== undefined &&
      resetAfterMs !== undefined &&
      this.#lastStartedAt !== null &&
      now - this.#lastStartedAt >= resetAfterMs
    ) {
      this.reset();
    }
    const delay = this.#delayMs;
    const p = this.#policy;
    this.#delayMs =
      delay === 0 ? Math.min(p.baseMs, p.capMs) : Math.min(delay * factorOf(p), p.capMs);
    return jittered(delay, p, this.#random);
  }

  /** Back to the start of the series (after a success). */
  reset(): void {
    this.#delayMs = initialDelay(this.#policy);
  }

  /** A JSON-serialisable copy of the state, to persist and pass back as `options.state`. */
  get state(): BackoffState {
    return { delayMs: this.#delayMs, lastStartedAt: this.#lastStartedAt };
  }

  toJSON(): BackoffState {
    return this.state;
  }
}

/**
 * The wait before retry number `failures` (1-based) of a series, without keeping state.
 *
 * @example backoffDelay(3, { baseMs: 1000, capMs: 60_000 }) // 4000
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  assertPolicy(policy);
  const n = Math.max(1, Math.floor(failures));
  const steps = policy.firstImmediate === true ? n - 2 : n - 1;
  const exact = steps < 0 ? 0 : Math.min(policy.capMs, policy.baseMs * factorOf(policy) ** steps);
  return jittered(exact, policy, random);
}

function factorOf(policy: BackoffPolicy): number {
  return policy.factor ?? 2;
}

function initialDelay(policy: BackoffPolicy): number {
  return policy.firstImmediate === true ? 0 : Math.min(policy.baseMs, policy.capMs);
}

function jittered(delay: number, policy: BackoffPolicy, random: () => number): number {
  const j = policy.jitter ?? 0;
  if (j === 0 || delay === 0) return delay;
  const r = random();
  const scale = policy.jitterMode === 'spread' ? 1 + j * (2 * r - 1) : 1 - j * r;
  return Math.max(0, Math.round(delay * scale));
}

/** A policy is code, not input: a bad one is a programming error, reported at once. */
function assertPolicy(p: BackoffPolicy): void {
  const bad = (what: string): never => {
    throw new PodkitError(KitErrorCode.KIT_BACKOFF_INVALID, `backoff policy: ${what}`);
  };
  if (!(Number.isFinite(p.baseMs) && p.baseMs > 0)) bad(`baseMs must be > 0, got ${p.baseMs}`);
  if (!(Number.isFinite(p.capMs) && p.capMs >= 0)) bad(`capMs must be >= 0, got ${p.capMs}`);
  const f = factorOf(p);
  if (!(Number.isFinite(f) && f >= 1)) bad(`factor must be >= 1, got ${f}`);
  const j = p.jitter ?? 0;
  if (!(j >= 0 && j <= 1)) bad(`jitter must be within 0..1, got ${j}`);
}

/** A saved state comes from disk: checked like any other input. */
function checkedState(s: BackoffState): BackoffState {
  const okDelay = typeof s.delayMs === 'number' && Number.isFinite(s.delayMs) && s.delayMs >= 0;
  const okStart =
    s.lastStartedAt === null ||
    (typeof s.lastStartedAt === 'number' && Number.isFinite(s.lastStartedAt));
  if (!okDelay || !okStart) {
    throw new PodkitError(
      KitErrorCode.KIT_BACKOFF_INVALID,
      `backoff state ${JSON.stringify(s)} is not { delayMs: number >= 0, lastStartedAt: number | null }`,
    );
  }
  return { delayMs: s.delayMs, lastStartedAt: s.lastStartedAt };
}
