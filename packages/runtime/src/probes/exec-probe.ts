import type { Runc } from '../runc/runc.js';
import { deadlineSignal, formatTimeout } from './deadline.js';
import type { ExecAction } from '../spec/types.js';
import type { ProbeResult } from './types.js';

/** Kubelet keeps at most this much of a probe's output for its event. */
const MAX_OUTPUT = 10 * 1024;

/**
 * exec handler: runs the command in the container (`runc exec`, with the container's env, user
 * and cwd); exit 0 is success. On timeout runc is killed and the result is a failure
 * ("command timed out"), as kubelet does since ExecProbeTimeout. The command's own process may
 * outlive a killed `runc exec` inside the container (runc cannot forward SIGKILL); it ends
 * with the container at the latest.
 */
export async function execProbe(
  runc: Runc,
  containerId: string,
  action: ExecAction,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const limit = deadlineSignal(timeoutMs, signal);
  try {
    const r = await runc.execCollect(containerId, { args: action.command, signal: limit });
    const output = (r.stdout + r.stderr).slice(0, MAX_OUTPUT);
    if (limit.aborted) {
      return {
        ok: false,
        output: `command ${JSON.stringify(action.command)} timed out after ${formatTimeout(timeoutMs)}`,
      };
    }
    if (r.code === 0) return { ok: true, output };
    return {
      ok: false,
      output:
        output === '' ? `command ${JSON.stringify(action.command)} exited with ${r.code}` : output,
    };
  } catch (err) {
    return { ok: false, output: err instanceof Error ? err.message : String(err) };
  }
}
