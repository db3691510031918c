/**
 * `?watch=1`: a chunked stream of `{"type":"ADDED|MODIFIED|DELETED","object":…}` lines from a
 * WatchCache. Without a resourceVersion (or "0") it starts with every object as ADDED; from
 * a version it replays what came after it, or answers 410 Gone when that is forgotten.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gone, KubeApiError } from './status.js';
import {
  filtered,
  type CachedEvent,
  type KubeObject,
  type WatchCache,
  type WatchEventType,
} from './watch-cache.js';

export interface WatchOptions<T> {
  resourceVersion: string | null;
  timeoutSeconds: number;
  matches: (o: T) => boolean;
  /** What goes on the wire for an event's object (the object, or a Table row of it). */
  encode: (type: WatchEventType, object: T, first: boolean) => unknown;
}

/** The API server's longest watch when the client names no timeout (minRequestTimeout 1800 s). */
export const DEFAULT_WATCH_SECONDS = 1800;

export function serveWatch<T extends KubeObject>(
  req: IncomingMessage,
  res: ServerResponse,
  cache: WatchCache<T>,
  o: WatchOptions<T>,
): void {
  let backlog: { type: WatchEventType; object: T }[];
  const rv = o.resourceVersion;
  if (rv === null || rv === '' || rv === '0') {
    backlog = cache
      .list()
      .items.filter(o.matches)
      .map((object) => ({ type: 'ADDED' as const, object }));
  } else {
    const start = cache.since(Number(rv));
    if (!start.ok) throw new KubeApiError(gone(rv, String(start.oldest)));
    backlog = start.events.flatMap((e) => filtered(e, o.matches) ?? []);
  }
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();
  let first = true;
  const send = (type: WatchEventType, object: T): void => {
    if (res.writableEnded) return;
    res.write(`${JSON.stringify({ type, object: o.encode(type, object, first) })}\n`);
    first = false;
  };
  for (const e of backlog) send(e.type, e.object);
  const off = cache.subscribe((e: CachedEvent<T>) => {
    const seen = filtered(e, o.matches);
    if (seen !== undefined) send(seen.type, seen.object);
  });
  const timer = setTimeout(() => res.end(), o.timeoutSeconds * 1000);
  const done = (): void => {
    off();
    clearTimeout(timer);
  };
  res.on('close', done);
  req.on('aborted', done);
}
