import type { AgentClient } from '@podkit/agent/client';
import type { PodRecord } from '@podkit/runtime';
import { podEvents, waitForPod } from '../agent-access.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Colors } from '../render.js';

const isReady = (r: PodRecord): boolean =>
  r.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

const hasEnded = (r: PodRecord): boolean =>
  r.released || r.status.phase === 'Succeeded' || r.status.phase === 'Failed';

/**
 * Why a pod is not Ready, as a user would dig it out of `kubectl describe`: the pod's own
 * reason, each container that waits (CrashLoopBackOff…) or terminated badly, and for a running
 * container that is not ready its last probe failure.
 */
export async function notReadyReason(client: AgentClient, r: PodRecord): Promise<string> {
  const why: string[] = [];
  if (r.status.reason !== undefined)
    why.push(`${r.status.reason}${r.status.message === undefined ? '' : `: ${r.status.message}`}`);
  const events = await podEvents(client, r.namespace, r.name).catch(() => []);
  for (const s of [...r.status.initContainerStatuses, ...r.status.containerStatuses]) {
    const w = s.state.waiting;
    const t = s.state.terminated;
    const isInit = r.status.initContainerStatuses.includes(s);
    const object = `${isInit ? 'spec.initContainers' : 'spec.containers'}{${s.name}}`;
    if (w !== undefined && w.reason !== 'PodInitializing' && w.reason !== 'ContainerCreating') {
      why.push(
        `container ${s.name}: ${w.reason}${w.message === undefined ? '' : ` (${w.message})`}`,
      );
    } else if (t !== undefined && t.exitCode !== 0) {
      why.push(`container ${s.name}: ${t.reason}, exit code ${t.exitCode}`);
    } else if (s.state.running !== undefined && !s.ready) {
      const probe = events.filter((e) => e.object === object && e.reason === 'Unhealthy').at(-1);
      why.push(
        `container ${s.name}: ${s.started ? 'not ready' : 'not started'}${probe === undefined ? '' : ` (${probe.message})`}`,
      );
    }
  }
  if (why.length === 0) {
    const warning = events.filter((e) => e.type === 'Warning').at(-1);
    why.push(warning?.message ?? `phase ${r.status.phase}`);
  }
  return why.join('; ');
}

/**
 * `up --wait`: waits until every pod's Ready condition is True, within one overall timeout.
 * A pod that fails, completes first, or is not Ready in time makes the command fail with the
 * reason; pods stay as they are (`podkit down` removes them).
 */
export async function waitReady(
  client: AgentClient,
  records: readonly PodRecord[],
  timeoutMs: number,
  io: CliIo,
  c: Colors,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let code: number = ExitCode.OK;
  for (const rec of records) {
    const r = await waitForPod(
      client,
      rec.uid,
      (x) => isReady(x) || hasEnded(x),
      Math.max(0, deadline - Date.now()),
    );
    if (r === undefined) {
      io.stderr.write(`pod/${rec.name} was removed\n`);
      code = ExitCode.FAILURE;
      continue;
    }
    if (isReady(r)) {
      io.stdout.write(`pod/${r.name} ${c.green('ready')} (IP ${r.status.podIP ?? 'none'})\n`);
      continue;
    }
    code = ExitCode.FAILURE;
    const reason = await notReadyReason(client, r);
    const what =
      r.status.phase === 'Failed'
        ? 'failed'
        : hasEnded(r)
          ? `ended (${r.status.phase}) before it was Ready`
          : `not Ready within ${Math.round(timeoutMs / 1000)}s`;
    io.stderr.write(`pod/${r.name} ${c.red(what)}: ${reason}\n`);
    io.stderr.write(
      `hint: \`podkit describe ${r.name}\` shows its events; \`podkit down ${r.name}\` removes it\n`,
    );
  }
  return code;
}
