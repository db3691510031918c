import { readLogs, type LogEntry } from '@podkit/runtime';

interface Follower {
  abort: AbortController;
  /** Entries handed out so far: the drain after stop() skips exactly these. */
  count: number;
  done: Promise<void>;
}

/**
 * Follows several CRI log files at once (`podkit up` in the foreground, `podkit logs -f`) and
 * hands every line to `onEntry` with the key it was added under. A container's restarts append
 * to the same file, so one follower per file sees them all.
 *
 * stop() ends following and then drains: a follower may be asleep waiting for a change when
 * it is aborted, so what the container wrote just before its pod ended is read once more from
 * the file (skipping the entries already handed out) — no last line is lost.
 */
export class LogFollower {
  readonly #followers = new Map<string, Follower & { path: string }>();
  readonly #onEntry: (key: string, entry: LogEntry) => void;
  readonly #options: { timestamps?: boolean | undefined; pollMs?: number | undefined };

  constructor(
    onEntry: (key: string, entry: LogEntry) => void,
    options: { timestamps?: boolean | undefined; pollMs?: number | undefined } = {},
  ) {
    this.#onEntry = onEntry;
    this.#options = options;
  }

  has(key: string): boolean {
    return this.#followers.has(key);
  }

  /**
   * Starts following `path` (which must exist): the whole file, or with `tail` its last lines
   * first. Adding a key twice does nothing.
   */
  add(key: string, path: string, options: { tail?: number | undefined } = {}): void {
    if (this.#followers.has(key)) return;
    const abort = new AbortController();
    const f: Follower & { path: string } = { abort, count: 0, path, done: Promise.resolve() };
    f.done = (async () => {
      // The follower reads from the start so that `count` indexes the file; `tail` only hides
      // the older lines (counted first; lines written meanwhile are new and shown).
      let hide = 0;
      if (options.tail !== undefined) {
        let total = 0;
        const counting = readLogs(path);
        while ((await counting.next()).done !== true) total++;
        hide = Math.max(0, total - options.tail);
      }
      const entries = readLogs(path, {
        follow: true,
        timestamps: this.#options.timestamps,
        pollMs: this.#options.pollMs ?? 100,
        signal: abort.signal,
      });
      for await (const e of entries) {
        if (f.count++ < hide) continue;
        this.#onEntry(key, e);
      }
    })();
    // A failure surfaces in stop(); until then it must not be an unhandled rejection.
    f.done.catch(() => undefined);
    this.#followers.set(key, f);
  }

  /** Stops following every file, then hands out what was written but not yet read. */
  async stop(): Promise<void> {
    for (const f of this.#followers.values()) f.abort.abort();
    for (const [key, f] of this.#followers) {
      await f.done;
      let seen = 0;
      for await (const e of readLogs(f.path, { timestamps: this.#options.timestamps })) {
        if (seen++ < f.count) continue;
        this.#onEntry(key, e);
      }
    }
    this.#followers.clear();
  }
}
