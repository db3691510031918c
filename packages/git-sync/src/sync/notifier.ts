import { Backoff } from '@podkit/kit';
import { systemClock, type Clock } from '../loop/clock.js';

export interface NotifierOptions {
  /** Shown in logs and the `name` label of git_sync_hook_run_count_total. */
  name: string;
  /** Delivers one notification; throws on failure. Must honour the signal. */
  run: (sha: string, signal: AbortSignal) => Promise<void>;
  /** First retry delay; doubles per failure up to `maxBackoffMs`, with ±20 % jitter. */
  backoffMs: number;
  maxBackoffMs?: number | undefined;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
  /** Called after each attempt. */
  onResult?: ((sha: string, error: unknown) => void) | undefined;
}

/**
 * Post-publish notification (exec hook or outbound webhook) delivered OFF the sync path:
 * `notify(sha)` returns at once; a single worker runs deliveries one at a time and retries a
 * failure with exponential backoff. Only the newest SHA matters, as in git-sync: a newer
 * `notify` replaces a pending or retrying one (and cuts its backoff short).
 *
 * @example
 *   const n = new Notifier({ name: 'exechook', backoffMs: 3000, run: (sha, s) => hook(sha, s) });
 *   n.notify(sha); // never awaits the hook
 */
export class Notifier {
  readonly #o: NotifierOptions;
  readonly #clock: Clock;
  #latest: string | undefined;
  #delivered: string | undefined;
  #wake: AbortController | undefined;
  #worker: Promise<void> | undefined;
  readonly #stop = new AbortController();

  constructor(options: NotifierOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  get name(): string {
    return this.#o.name;
  }

  /** Schedules delivery for `sha` (the newest wins). Never blocks, never throws. */
  notify(sha: string): void {
    if (this.#stop.signal.aborted) return;
    this.#latest = sha;
    this.#wake?.abort();
    this.#worker ??= this.#work().finally(() => {
      this.#worker = undefined;
      // A notify() that landed while the worker was finishing.
      if (this.#latest !== this.#delivered && !this.#stop.signal.aborted && this.#latest) {
        this.notify(this.#latest);
      }
    });
  }

  /** Resolves when nothing is pending (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#worker !== undefined) await this.#worker;
  }

  /** Stops retrying and cancels a running delivery. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#wake?.abort();
    await this.#worker;
  }

  /** Read through a call: close() can abort while #work awaits, which flow analysis misses. */
  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #work(): Promise<void> {
    const backoff = new Backoff(
      {
        baseMs: this.#o.backoffMs,
        capMs: this.#o.maxBackoffMs ?? 60_000,
        jitter: 0.2,
        jitterMode: 'spread',
      },
      { random: this.#o.random },
    );
    let sha = this.#latest;
    while (sha !== undefined && sha !== this.#delivered && !this.#stop.signal.aborted) {
      let error: unknown;
      try {
        await this.#o.run(sha, this.#stop.signal);
      } catch (err) {
        error = err;
      }
      if (this.#stopped()) return;
      this.#o.onResult?.(sha, error);
      if (error === undefined) {
        this.#delivered = sha;
        backoff.reset();
      } else if (this.#latest === sha) {
        const wake = new AbortController();
        this.#wake = wake;
        try {
          await this.#clock.sleep(
            backoff.next(),
            AbortSignal.any([wake.signal, this.#stop.signal]),
          );
        } finally {
          this.#wake = undefined;
        }
      }
      if (this.#latest !== sha) backoff.reset(); // a newer SHA starts its own retry series
      sha = this.#latest;
    }
  }
}
