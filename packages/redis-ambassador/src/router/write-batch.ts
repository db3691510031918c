/**
 * Reply writes batched per callback: the replies that one upstream chunk (or one client chunk)
 * completes for a client leave in one write when that callback is done — one write per client
 * however many replies the chunk held. Inside {@link inBatch} the flush happens synchronously
 * at the batch's end (no tick queue on the `-c 1` round trip); anywhere else (a backend closing,
 * a timer) at the end of the current tick.
 */

/** Something holding reply bytes for its client. */
export interface Flushable {
  flushClient(): void;
}

let dirty: Flushable[] = [];
let depth = 0;

/** Records that `f` has bytes to write; it is flushed once, at the batch's (or tick's) end. */
export function markDirty(f: Flushable): void {
  if (dirty.push(f) === 1 && depth === 0) process.nextTick(flushDirty);
}

function flushDirty(): void {
  const list = dirty;
  dirty = [];
  for (const f of list) f.flushClient();
}

/** Runs `fn(arg)`; what it marked dirty is written when it returns (or throws). */
export function inBatch<A>(fn: (arg: A) => void, arg: A): void {
  depth++;
  try {
    fn(arg);
  } finally {
    if (--depth === 0 && dirty.length > 0) flushDirty();
  }
}
