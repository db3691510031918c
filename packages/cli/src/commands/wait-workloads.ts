import type { AgentClient } from '@podkit/agent/client';
import type { Workload } from '@podkit/runtime';
import { listWorkloads, watchPods, type WorkloadItem } from '../agent-access.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Colors } from '../render.js';
import { desiredPods, jobCompletions, workloadSize } from './workload-text.js';

type Wanted = Workload;

/**
 * What `up -d` waits for (every pod of the current template started; a Job: its active pods
 * started, or it finished) and `--wait` (rolled out; a Job: finished, Complete or Failed).
 */
export type WorkloadGoal = 'started' | 'ready';

function matches(item: WorkloadItem, w: Wanted): boolean {
  const m = item.record.object.metadata;
  return (
    item.record.kind === w.kind &&
    m.name === w.metadata.name &&
    m.namespace === w.metadata.namespace
  );
}

/** Whether a workload reached the goal; its spec.replicas is the agent's record's. */
export function workloadDone(item: WorkloadItem, goal: WorkloadGoal): boolean {
  const s = item.status;
  if (s.job !== undefined) {
    if (jobFinishedBy(item) !== undefined) return true;
    return goal === 'started' && s.job.active > 0 && s.updatedStartedReplicas >= s.job.active;
  }
  const want = desiredPods(item.record.object);
  if (goal === 'ready') return s.complete;
  return s.updatedStartedReplicas >= want && s.updatedReplicas === want;
}

/** A Job's Complete or Failed condition. */
function jobFinishedBy(item: WorkloadItem) {
  return item.status.job?.conditions[0];
}

function progress(item: WorkloadItem): string {
  const s = item.status;
  if (s.job !== undefined)
    return `${jobCompletions(item)} succeeded, ${s.job.active} active, ${s.job.failed} failed`;
  const want = desiredPods(item.record.object);
  return `${s.updatedReplicas}/${want} up to date, ${s.updatedStartedReplicas} started, ${s.updatedAvailableReplicas} available${s.replicas > s.updatedReplicas ? `, ${s.replicas - s.updatedReplicas} old` : ''}${s.terminatingReplicas > 0 ? `, ${s.terminatingReplicas} terminating` : ''}`;
}

/**
 * `up -d` / `--wait` for a file's Deployments and ReplicaSets: follows every pod change
 * (the agent's watch) and, at each, asks the agent for the workloads' statuses until each
 * reached the goal or `timeoutMs` passed (also rechecked every second: availability after
 * minReadySeconds comes without a change). Prints one line per workload.
 */
export async function waitWorkloads(
  client: AgentClient,
  wanted: readonly Wanted[],
  goal: WorkloadGoal,
  timeoutMs: number,
  io: CliIo,
  c: Colors,
): Promise<number> {
  if (wanted.length === 0) return ExitCode.OK;
  const deadline = Date.now() + timeoutMs;
  const ac = new AbortController();
  let poke: (() => void) | undefined;
  const watching = watchPods(
    client,
    [],
    () => {
      poke?.();
    },
    ac.signal,
  ).catch(() => undefined);
  let items: WorkloadItem[] = [];
  const pending = (): Wanted[] =>
    wanted.filter((w) => {
      const item = items.find((i) => matches(i, w));
      return item === undefined || !workloadDone(item, goal);
    });
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => {
        poke = resolve;
      });
      items = await listWorkloads(client);
      if (pending().length === 0) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        changed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.min(left, 1000));
        }),
      ]);
      clearTimeout(timer);
    }
  } finally {
    ac.abort();
    await watching;
  }
  let code: number = ExitCode.OK;
  for (const w of wanted) {
    const item = items.find((i) => matches(i, w));
    const what = `${w.kind.toLowerCase()}/${w.metadata.name}`;
    if (item === undefined) {
      io.stderr.write(`${what} was removed\n`);
      code = ExitCode.FAILURE;
    } else if (jobFinishedBy(item)?.type === 'Failed') {
      const f = jobFinishedBy(item);
      io.stderr.write(
        `${what} ${c.red('failed')}: ${f?.reason ?? ''}: ${f?.message ?? ''} (${progress(item)})\n`,
      );
      io.stderr.write(`hint: \`podkit ps -a\` shows its pods; \`podkit logs POD\` what one said\n`);
      code = ExitCode.FAILURE;
    } else if (jobFinishedBy(item)?.type === 'Complete') {
      io.stdout.write(`${what} ${c.green('complete')} (${jobCompletions(item)} succeeded)\n`);
    } else if (workloadDone(item, goal)) {
      io.stdout.write(
        `${what} ${c.green(goal === 'ready' ? 'ready' : 'started')} (${workloadSize(item.record.object)})\n`,
      );
    } else {
      io.stderr.write(
        `${what} ${c.red(goal === 'ready' ? (item.status.job === undefined ? 'not ready' : 'not finished') : 'not started')} within ${Math.round(timeoutMs / 1000)}s: ${progress(item)}\n`,
      );
      io.stderr.write(
        `hint: \`podkit ps\` shows its pods; \`podkit describe POD\` why one is not ${goal === 'ready' ? 'Ready' : 'running'}\n`,
      );
      code = ExitCode.FAILURE;
    }
  }
  return code;
}
