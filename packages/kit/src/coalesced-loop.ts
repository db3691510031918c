/**
 * Runs `sync` whenever a change is heard, one run at a time: changes heard while a run is in
 * flight make one more run after it, however many they were (a controller's work queue of one
 * key). A failed run goes to `onError` and the loop goes on; after close() nothing new starts.
 *
 * @example
 *   const loop = new CoalescedLoop(() => this.#sync(), (err) => log(String(err)));
 *   runtime.subscribe(() => loop.changed());
 *   await loop.settled(); // every change heard so far is synced
 */
export class CoalescedLoop {
  readonly #sync: () => Promise<void>;
  readonly #onError: (err: unknown) => void;
  #running: Promise<void> | undefined;
  #dirty = false;
  #closed = false;

  constructor(sync: () => Promise<void>, onError: (err: unknown) => void) {
    this.#sync = sync;
    this.#onError = onError;
  }

  /** Schedules a run (coalesced with any other change meanwhile). */
  changed(): void {
    if (this.#closed) return;
    this.#dirty = true;
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves once every change heard so far is synced (or the loop was closed). */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** No run starts after this one (a run in flight ends; see settled()). */
  close(): void {
    this.#closed = true;
  }

  async #loop(): Promise<void> {
    while (this.#dirty && !this.#closed) {
      this.#dirty = false;
      await this.#sync().catch(this.#onError);
    }
  }
}
