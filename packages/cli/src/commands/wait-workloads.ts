import type { AgentClient } from '@podkit/agent/client';
import type { Deployment, ReplicaSet, StatefulSet } from '@podkit/runtime';
import { listWorkloads, watchPods, type WorkloadItem } from '../agent-access.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { Colors } from '../render.js';

type Wanted = Deployment | ReplicaSet | StatefulSet;

/** What `up -d` waits for (every pod of the current template started) and `--wait` (rolled out). */
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
  const want = item.record.object.spec.replicas;
  const s = item.status;
  if (goal === 'ready') return s.complete;
  return s.updatedStartedReplicas >= want && s.updatedReplicas === want;
}

function progress(item: WorkloadItem): string {
  const s = item.status;
  const want = item.record.object.spec.replicas;
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
    } else if (workloadDone(item, goal)) {
      const n = item.record.object.spec.replicas;
      io.stdout.write(
        `${what} ${c.green(goal === 'ready' ? 'ready' : 'started')} (${n} ${n === 1 ? 'replica' : 'replicas'})\n`,
      );
    } else {
      io.stderr.write(
        `${what} ${c.red(goal === 'ready' ? 'not ready' : 'not started')} within ${Math.round(timeoutMs / 1000)}s: ${progress(item)}\n`,
      );
      io.stderr.write(
        `hint: \`podkit ps\` shows its pods; \`podkit describe POD\` why one is not ${goal === 'ready' ? 'Ready' : 'running'}\n`,
      );
      code = ExitCode.FAILURE;
    }
  }
  return code;
}
