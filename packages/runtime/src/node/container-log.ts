import { readLogs, type LogEntry } from '../logs/cri-log-reader.js';
import type { PodRecord } from '../pod/pod-store.js';

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
    for await (const _ of readLogs(file)) total++;
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
    if (count++ < hide) continue;
    yield e;
  }
  if (!follow) return;
  // The drain: entries appended after the follower's last read (gone with its pod: none).
  let seen = 0;
  try {
    for await (const e of readLogs(file, { timestamps: options.timestamps })) {
      if (seen++ < count) continue;
      yield e;
    }
  } catch {
    return;
  }
}
