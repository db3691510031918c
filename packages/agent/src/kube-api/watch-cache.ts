/**
 * resourceVersion bookkeeping and the watch history of one resource (the API server's watch
 * cache, in memory). Every change takes the next number of a clock shared by all resources;
 * the clock starts at the agent's start time in microseconds, so numbers only grow across
 * agent restarts and a version from an earlier agent is older than anything remembered
 * (a watch from it is 410 Gone: the client lists again).
 */

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface KubeObject {
  metadata: { name: string; namespace?: string | undefined; resourceVersion?: string | undefined };
}

/** A change as the history keeps it: `prev` is the object before a MODIFIED or DELETED. */
export interface CachedEvent<T> {
  rv: number;
  type: WatchEventType;
  object: T;
  prev?: T | undefined;
}

/** The API's one resourceVersion counter. */
export class ResourceVersionClock {
  #rv: number;
  constructor(start = Date.now() * 1000) {
    this.#rv = start;
  }
  next(): number {
    return ++this.#rv;
  }
  get current(): number {
    return this.#rv;
  }
}

export type WatchStart<T> = { ok: true; events: CachedEvent<T>[] } | { ok: false; oldest: number };

/**
 * The objects of one resource by key, each stamped with the resourceVersion of its last
 * change, and the last `capacity` changes for watches that start from a version.
 *
 * @example
 *   const pods = new WatchCache<Pod>(clock);
 *   pods.put(uid, pod); // ADDED, then MODIFIED on the next real change
 *   pods.since(rv);     // the changes after rv, or { ok: false } when they are forgotten
 */
export class WatchCache<T extends KubeObject> {
  readonly #clock: ResourceVersionClock;
  readonly #capacity: number;
  readonly #objects = new Map<string, { object: T; json: string }>();
  #history: CachedEvent<T>[] = [];
  /** Changes after this version are all in the history. */
  #floor: number;
  readonly #listeners = new Set<(e: CachedEvent<T>) => void>();

  constructor(clock: ResourceVersionClock, capacity = 1000) {
    this.#clock = clock;
    this.#capacity = capacity;
    this.#floor = clock.current;
  }

  /**
   * Records the object as it is now; an object equal to the one held (resourceVersion aside)
   * is no change and keeps its version. Returns the event, if any.
   */
  put(key: string, object: T): CachedEvent<T> | undefined {
    const json = JSON.stringify({
      ...object,
      metadata: { ...object.metadata, resourceVersion: undefined },
    });
    const held = this.#objects.get(key);
    if (held?.json === json) return undefined;
    const rv = this.#clock.next();
    const stamped = withVersion(object, rv);
    this.#objects.set(key, { object: stamped, json });
    return this.#record({
      rv,
      type: held === undefined ? 'ADDED' : 'MODIFIED',
      object: stamped,
      prev: held?.object,
    });
  }

  /** Forgets the object; the DELETED event carries it as last known (with a new version). */
  remove(key: string, last?: (held: T) => T): CachedEvent<T> | undefined {
    const held = this.#objects.get(key);
    if (held === undefined) return undefined;
    this.#objects.delete(key);
    const rv = this.#clock.next();
    const object = withVersion(last === undefined ? held.object : last(held.object), rv);
    return this.#record({ rv, type: 'DELETED', object, prev: held.object });
  }

  get(key: string): T | undefined {
    return this.#objects.get(key)?.object;
  }

  /** Every object, and the version the list is consistent at. */
  list(): { items: T[]; resourceVersion: string } {
    return {
      items: [...this.#objects.values()].map((h) => h.object),
      resourceVersion: String(this.#clock.current),
    };
  }

  /**
   * The changes after `rv` (a watch's start), or `ok: false` with the oldest version still
   * known when changes after it were forgotten (410 Gone). A version ahead of the clock
   * counts as now.
   */
  since(rv: number): WatchStart<T> {
    if (!Number.isSafeInteger(rv) || rv < this.#floor) return { ok: false, oldest: this.#floor };
    return { ok: true, events: this.#history.filter((e) => e.rv > rv) };
  }

  /** Listens to every change from now on; returns the function that stops listening. */
  subscribe(listener: (e: CachedEvent<T>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #record(e: CachedEvent<T>): CachedEvent<T> {
    this.#history.push(e);
    if (this.#history.length > this.#capacity) {
      const dropped = this.#history.splice(0, this.#history.length - this.#capacity);
      this.#floor = dropped.at(-1)?.rv ?? this.#floor;
    }
    for (const l of this.#listeners) l(e);
    return e;
  }
}

function withVersion<T extends KubeObject>(object: T, rv: number): T {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
}

/**
 * What a watcher with a filter sees of a change: an object that starts matching is ADDED,
 * one that stops matching DELETED (as the API server's watch with selectors), others as is.
 */
export function filtered<T>(
  e: CachedEvent<T>,
  matches: (o: T) => boolean,
): { type: WatchEventType; object: T } | undefined {
  const now = e.type !== 'DELETED' && matches(e.object);
  const before = e.prev !== undefined && matches(e.prev);
  if (e.type === 'DELETED')
    return before || matches(e.object) ? { type: 'DELETED', object: e.object } : undefined;
  if (now && before) return { type: 'MODIFIED', object: e.object };
  if (now) return { type: 'ADDED', object: e.object };
  if (before) return { type: 'DELETED', object: e.object };
  return undefined;
}
