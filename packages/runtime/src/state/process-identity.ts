import { readFile } from 'node:fs/promises';

/**
 * A process identity that survives pid reuse: the pid plus its start time (clock ticks since
 * boot, field 22 of /proc/<pid>/stat).
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

/** The identity of a live process, or undefined when `pid` does not exist. */
export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 is rest[19].
  const startTime = rest[19];
  if (startTime === undefined || rest[0] === 'Z') return undefined;
  return { pid, startTime };
}

/** True when the process that `id` names is still running (and is not a zombie). */
export async function isProcessAlive(id: ProcessIdentity): Promise<boolean> {
  const now = await processIdentity(id.pid);
  return now !== undefined && now.startTime === id.startTime;
}
