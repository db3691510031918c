import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { PodkitError } from '@podkit/kit';
import {
  AgentErrorCode,
  ensureAgent,
  type AgentClient,
  type ApplyLine,
  type ApplyRequest,
} from '@podkit/agent/client';
import type {
  ClaimRecord,
  JobCondition,
  PodEvent,
  PodRecord,
  ServiceRecord,
  WorkloadRecord,
} from '@podkit/runtime';
import { layoutFor, requireStateAccess } from './context.js';
import type { CliIo } from './io.js';

/**
 * The command line that runs this podkit's agent: the bundled bin beside this module, the
 * tsc output's main.js, or — when podkit runs from its TypeScript sources (tests) — main.ts
 * through tsx. Its argv names the agent (`podkit … agent`), so `ps` shows what it is.
 */
export function agentArgv(root: string): string[] {
  const self = fileURLToPath(import.meta.url);
  const dir = path.dirname(self);
  const tail = ['--root', root, 'agent'];
  if (path.extname(self) === '.ts') {
    return [
      process.execPath,
      '--conditions=podkit-source',
      '--import',
      import.meta.resolve('tsx'),
      path.join(dir, 'main.ts'),
      ...tail,
    ];
  }
  const main = path.basename(dir) === 'bundle' ? 'podkit.js' : 'main.js';
  return [process.execPath, path.join(dir, main), ...tail];
}

/** The agent of the command's state root, started when it does not run. */
export async function agentFor(command: Command, io: CliIo): Promise<AgentClient> {
  const layout = layoutFor(command, io);
  await requireStateAccess(layout);
  return ensureAgent(layout.root, agentArgv(layout.root));
}

/**
 * `POST /v1/apply`: the agent parses and validates the file's text, then (valid, with something
 * to run) applies it; each line of its answer to `onLine`, the `manifest` verdict first.
 */
export async function applyManifest(
  client: AgentClient,
  request: ApplyRequest,
  onLine: (line: ApplyLine) => void,
): Promise<void> {
  await client.stream('POST', '/v1/apply', request, (value) => {
    onLine(value as unknown as ApplyLine);
  });
}

const podPath = (ns: string, name: string): string =>
  `/v1/pods/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;

export function getPod(client: AgentClient, ns: string, name: string): Promise<PodRecord> {
  return client.call<PodRecord>('GET', podPath(ns, name));
}

export async function listPods(client: AgentClient): Promise<PodRecord[]> {
  return (await client.call<{ items: PodRecord[] }>('GET', '/v1/pods')).items;
}

export async function listServices(client: AgentClient): Promise<ServiceRecord[]> {
  return (await client.call<{ items: ServiceRecord[] }>('GET', '/v1/services')).items;
}

export async function removeService(client: AgentClient, ns: string, name: string): Promise<void> {
  await client.call('DELETE', `/v1/services/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`);
}

export async function listClaims(client: AgentClient): Promise<ClaimRecord[]> {
  return (await client.call<{ items: ClaimRecord[] }>('GET', '/v1/claims')).items;
}

/** Deletes a PersistentVolumeClaim and its directory (CLAIM_IN_USE while a pod mounts it). */
export async function removeClaim(client: AgentClient, ns: string, name: string): Promise<void> {
  await client.call('DELETE', `/v1/claims/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`);
}

/** A workload with its status, as `GET /v1/workloads` answers (agent workload-objects.ts). */
export interface WorkloadItem {
  record: WorkloadRecord;
  status: {
    replicas: number;
    updatedReplicas: number;
    updatedStartedReplicas: number;
    updatedReadyReplicas: number;
    updatedAvailableReplicas: number;
    readyReplicas: number;
    availableReplicas: number;
    terminatingReplicas: number;
    complete: boolean;
    /** A Job's counts and conditions. */
    job?:
      | {
          active: number;
          succeeded: number;
          failed: number;
          completions: number | null;
          startTime?: string | undefined;
          completionTime?: string | undefined;
          conditions: JobCondition[];
        }
      | undefined;
  };
}

export async function listWorkloads(client: AgentClient): Promise<WorkloadItem[]> {
  return (await client.call<{ items: WorkloadItem[] }>('GET', '/v1/workloads')).items;
}

/**
 * Deletes a Deployment or ReplicaSet; the agent answers once its ReplicaSets and pods are gone
 * too (or `timeoutMs` passed).
 */
export async function removeWorkload(
  client: AgentClient,
  kind: string,
  ns: string,
  name: string,
  timeoutMs?: number,
): Promise<{ dependentsLeft: boolean }> {
  const q = timeoutMs === undefined ? '' : `?timeoutMs=${String(timeoutMs)}`;
  return client.call<{ dependentsLeft: boolean }>(
    'DELETE',
    `/v1/workloads/${encodeURIComponent(kind)}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}${q}`,
  );
}

export async function podEvents(
  client: AgentClient,
  ns: string,
  name: string,
): Promise<PodEvent[]> {
  return (await client.call<{ items: PodEvent[] }>('GET', `${podPath(ns, name)}/events`)).items;
}

export async function stopPod(
  client: AgentClient,
  ns: string,
  name: string,
  force: boolean,
): Promise<void> {
  await client.call('POST', `${podPath(ns, name)}/stop${force ? '?force=1' : ''}`);
}

/** Removes a pod through the agent; `onWait` hears what it waits for. */
export async function removePod(
  client: AgentClient,
  ns: string,
  name: string,
  options: {
    force?: boolean | undefined;
    timeoutMs?: number | undefined;
    onWait?: ((message: string) => void) | undefined;
  } = {},
): Promise<void> {
  const q = new URLSearchParams();
  if (options.force === true) q.set('force', '1');
  if (options.timeoutMs !== undefined) q.set('timeoutMs', String(options.timeoutMs));
  await client.stream('DELETE', `${podPath(ns, name)}?${q.toString()}`, undefined, (line) => {
    if (line.type === 'wait') options.onWait?.(String(line.message));
  });
}

/** A pod's change as the agent's watch reports it. */
export type WatchedChange =
  | { type: 'changed'; record: PodRecord }
  | { type: 'removed'; uid: string; namespace: string; name: string };

/**
 * Follows the pods `uids` (their current records first) until `signal` aborts or the agent
 * ends the stream.
 */
export async function watchPods(
  client: AgentClient,
  uids: readonly string[],
  onChange: (change: WatchedChange) => void,
  signal: AbortSignal,
): Promise<void> {
  await client.stream(
    'GET',
    `/v1/watch?uid=${uids.map(encodeURIComponent).join(',')}`,
    undefined,
    (line) => {
      if (line.type === 'changed' || line.type === 'removed')
        onChange(line as unknown as WatchedChange);
    },
    signal,
  );
}

/**
 * Waits until `until(record)` holds for the pod `uid` (checked at every change), the pod is
 * removed, or `timeoutMs` passes. Returns the last record seen (undefined: removed).
 */
export async function waitForPod(
  client: AgentClient,
  uid: string,
  until: (r: PodRecord) => boolean,
  timeoutMs: number,
): Promise<PodRecord | undefined> {
  const ac = new AbortController();
  let last: PodRecord | undefined;
  const timer = setTimeout(() => {
    ac.abort();
  }, timeoutMs);
  try {
    await watchPods(
      client,
      [uid],
      (c) => {
        // Lines already read when the wait ended are not looked at.
        if (ac.signal.aborted) return;
        if (c.type === 'removed') {
          last = undefined;
          ac.abort();
          return;
        }
        last = c.record;
        if (until(c.record)) ac.abort();
      },
      ac.signal,
    );
  } finally {
    clearTimeout(timer);
  }
  if (!ac.signal.aborted) {
    // The agent ended the watch itself: it stopped or died (its pods run on).
    throw new PodkitError(
      AgentErrorCode.AGENT_LOST,
      `the podkit agent of ${client.root} went away while waiting for the pod`,
      { hint: `see ${client.root}/agent.log; the next podkit command starts the agent again` },
    );
  }
  return last;
}
