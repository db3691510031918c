import { readLogs, type LogEntry } from '../logs/cri-log-reader.js';
import { containerLogPath, readPodRecord, type PodRecord } from '../pod/pod-store.js';
import type { StateLayout } from '../state/state-root.js';
import type { PodChange } from './node-runtime.js';

/** True once the container exited and its pod's restart policy will not run it again. */
export function containerEnded(record: PodRecord, name: string): boolean {
  if (record.released) return true;
  const t = [...record.status.initContainerStatuses, ...record.status.containerStatuses].find(
    (c) => c.name === name,
  )?.state.terminated;
  if (t === undefined) return false;
  const init = record.pod.spec.initContainers.find((c) => c.name === name);
  if (init?.restartPolicy === 'Always') return false;
  const policy = record.pod.spec.restartPolicy;
  if (init !== undefined) return t.exitCode === 0 || policy === 'Never';
  if (policy === 'Always') return false;
  return policy === 'Never' || t.exitCode === 0;
}

export interface FollowLogOptions {
  /** Only the last N entries of what is there now (then everything new). */
  tail?: number | undefined;
  timestamps?: boolean | undefined;
  /** Follow new entries until this aborts; then what was written meanwhile is still read. */
  until?: AbortSignal | undefined;
  pollMs?: number | undefined;
  /** Only entries written in this window (ms since the epoch; `tail` counts within it). */
  window?: LogWindow | undefined;
}

/** A time window over a log: `from` included, `to` excluded; either may be open. */
export interface LogWindow {
  from?: number | undefined;
  to?: number | undefined;
}

/** An RFC 3339 UTC timestamp (any number of fraction digits) in ms since the epoch. */
export function logTimeMs(ts: string): number {
  const whole = Date.parse(`${ts.slice(0, 19)}Z`);
  const frac = /^\.(\d+)/.exec(ts.slice(19));
  return frac === null ? whole : whole + Number(`0.${frac[1] ?? '0'}`) * 1000;
}

function inWindow(w: LogWindow | undefined, e: LogEntry): boolean {
  if (w === undefined) return true;
  const t = logTimeMs(e.timestamp);
  return (w.from === undefined || t >= w.from) && (w.to === undefined || t < w.to);
}

/**
 * A container's log entries: what the CRI log holds (or its last `tail` entries), then — with
 * `until` — whatever is appended, restarts and rotations included. When `until` aborts, the
 * file is read once more so that the lines written just before the end are not lost (a follower
 * may be between two polls when its container exits).
 */
export async function* containerLog(
  file: string,
  options: FollowLogOptions = {},
): AsyncGenerator<LogEntry> {
  let hide = 0;
  if (options.tail !== undefined) {
    let total = 0;
    for await (const e of readLogs(file)) if (inWindow(options.window, e)) total++;
    hide = Math.max(0, total - options.tail);
  }
  let count = 0;
  const follow = options.until !== undefined;
  for await (const e of readLogs(file, {
    follow,
    timestamps: options.timestamps,
    pollMs: options.pollMs ?? 100,
    signal: options.until,
  })) {
    if (!inWindow(options.window, e)) continue;
    if (count++ < hide) continue;
    yield e;
  }
  if (!follow) return;
  // The drain: entries appended after the follower's last read (gone with its pod: none).
  let seen = 0;
  try {
    for await (const e of readLogs(file, { timestamps: options.timestamps })) {
      if (!inWindow(options.window, e)) continue;
      if (seen++ < count) continue;
      yield e;
    }
  } catch {
    return;
  }
}

export interface PodLogOptions {
  follow?: boolean | undefined;
  /** Only the entries of this time window (kubectl's `--since`, `--previous`). */
  window?: LogWindow | undefined;
  tail?: number | undefined;
  timestamps?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * What `podkit logs` prints of a pod's container (`output` of each entry); with `follow`, new
 * lines until the container ended for good (told by `subscribe`'s changes), the pod is
 * removed, or `signal` aborts.
 */
export async function* podLog(
  layout: StateLayout,
  record: PodRecord,
  container: string,
  options: PodLogOptions,
  subscribe: (listener: (change: PodChange) => void) => () => void,
): AsyncGenerator<Buffer> {
  const file = containerLogPath(layout, record.uid, container);
  const { tail, timestamps, signal, window } = options;
  if (options.follow !== true) {
    for await (const e of containerLog(file, { tail, timestamps, window })) {
      if (signal?.aborted === true) return;
      yield e.output;
    }
    return;
  }
  // No log yet is an error now, not a silent wait.
  const probe = readLogs(file);
  try {
    await probe.next();
  } finally {
    await probe.return(undefined);
  }
  const until = new AbortController();
  const end = (): void => {
    until.abort();
  };
  const off = subscribe((ch) => {
    if (ch.type === 'removed' && ch.uid === record.uid) end();
    if (
      ch.type === 'changed' &&
      ch.record.uid === record.uid &&
      containerEnded(ch.record, container)
    )
      end();
  });
  signal?.addEventListener('abort', end, { once: true });
  try {
    const now = await readPodRecord(layout, record.uid);
    if (now === undefined || containerEnded(now, container)) end();
    for await (const e of containerLog(file, { tail, timestamps, window, until: until.signal })) {
      if (signal?.aborted === true) return;
      yield e.output;
    }
  } finally {
    off();
    signal?.removeEventListener('abort', end);
  }
}
