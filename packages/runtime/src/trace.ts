import { appendFileSync } from 'node:fs';

/**
 * Start-up tracing for `bench/pod-start` and anyone asking where a pod's start goes: with
 * `PODKIT_TRACE=<file>` in the environment, every process of a start (the CLI, the agent it
 * spawns, which inherits the variable) appends `<epoch ms> <pid> <mark>` lines to that
 * file; the first line of each process is its own start (`process.start`, Node's time origin),
 * so the time spent loading modules shows too. Off (one env read) without the variable.
 * Appends are single small `write`s on an O_APPEND file: lines of processes do not interleave.
 */
const file = process.env.PODKIT_TRACE;
let started = false;

function line(at: number, mark: string): string {
  return `${at.toFixed(1)} ${String(process.pid)} ${mark}\n`;
}

/** Records that the current process reached `mark` (a short word, e.g. `worker.sandbox`). */
export function traceMark(mark: string): void {
  if (file === undefined || file === '') return;
  try {
    const now = performance.timeOrigin + performance.now();
    const head = started ? '' : line(performance.timeOrigin, 'process.start');
    started = true;
    appendFileSync(file, head + line(now, mark), { mode: 0o600 });
  } catch {
    // Tracing never fails a start.
  }
}

/** True when tracing is on (to skip building marks that cost something). */
export function tracing(): boolean {
  return file !== undefined && file !== '';
}
