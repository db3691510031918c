/**
 * meta.k8s.io/v1 Table answers for `kubectl get` (columns with priority 0 shown, 1 only with
 * `-o wide`), with kubectl's own printers' cells (pkg/printers/internalversion/printers.go).
 * Pure: the time is passed in.
 */
import type { ApiContainerStatus, ApiObject, ApiPod } from './objects.js';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string };
  columnDefinitions: TableColumn[];
  rows: { cells: unknown[]; object?: unknown }[];
}

export const col = (
  name: string,
  description: string,
  priority = 0,
  type: TableColumn['type'] = 'string',
  format = '',
): TableColumn => ({
  name,
  type,
  format,
  description,
  priority,
});

export const NAME = col('Name', 'Name must be unique within a namespace.', 0, 'string', 'name');
export const AGE = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** k8s.io/apimachinery duration.HumanDuration: `45s`, `3m20s`, `2h5m`, `4d3h`, `2y10d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${String(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${String(minutes)}m` : `${String(minutes)}m${String(s)}s`;
  }
  if (minutes < 180) return `${String(minutes)}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${String(hours)}h` : `${String(hours)}h${String(m)}m`;
  }
  if (hours < 48) return `${String(hours)}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.floor(hours / 24);
    return h === 0 ? `${String(d)}d` : `${String(d)}d${String(h)}h`;
  }
  if (hours < 24 * 365 * 2) return `${String(Math.floor(hours / 24))}d`;
  if (hours < 24 * 365 * 8) {
    const y = Math.floor(hours / 24 / 365);
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${String(y)}y` : `${String(y)}y${String(dy)}d`;
  }
  return `${String(Math.floor(hours / 24 / 365))}y`;
}

export function age(o: ApiObject, now: number): string {
  const t = o.metadata.creationTimestamp;
  return t === undefined ? '<unknown>' : humanDuration(now - Date.parse(t));
}

function rowObject(o: ApiObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function table<T extends ApiObject>(
  columns: TableColumn[],
  items: readonly T[],
  cells: (o: T) => unknown[],
  include: IncludeObject,
  resourceVersion: string,
): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns,
    rows: items.map((o) => {
      const object = rowObject(o, include);
      return object === undefined ? { cells: cells(o) } : { cells: cells(o), object };
    }),
  };
}

export const POD_COLUMNS: TableColumn[] = [
  NAME,
  col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'The aggregate status of the containers in this pod.'),
  col(
    'Restarts',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  AGE,
  col(
    'IP',
    'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    1,
  ),
  col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
  col(
    'Nominated Node',
    'nominatedNodeName is set when this pod preempts other pods on the node.',
    1,
  ),
  col(
    'Readiness Gates',
    'If specified, all readiness gates will be evaluated for pod readiness.',
    1,
  ),
];

/** kubectl's printPod: READY `1/2`, STATUS (a container's reason, Init:…, Terminating…), RESTARTS `3 (42s ago)`. */
export function podCells(pod: ApiPod, now: number): unknown[] {
  const statuses = pod.status.containerStatuses ?? [];
  const total = pod.spec.containers.length;
  let restarts = 0;
  let ready = 0;
  let lastRestart: number | undefined;
  let reason = pod.status.reason ?? pod.status.phase;
  const noteRestart = (c: ApiContainerStatus): void => {
    restarts += c.restartCount;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished !== undefined) {
      const t = Date.parse(finished);
      if (lastRestart === undefined || t > lastRestart) lastRestart = t;
    }
  };
  let initializing = false;
  const inits = pod.status.initContainerStatuses ?? [];
  const initCount = Array.isArray(pod.spec.initContainers) ? pod.spec.initContainers.length : 0;
  for (const [i, c] of inits.entries()) {
    noteRestart(c);
    const term = c.state?.terminated;
    if (term !== undefined && term.exitCode === 0) continue;
    if (initializing) continue;
    if (c.ready && c.state?.running !== undefined) continue; // a native sidecar that runs
    initializing = true;
    if (term !== undefined)
      reason = `Init:${term.reason !== undefined && term.reason !== '' ? term.reason : term.signal !== undefined && term.signal !== 0 ? `Signal:${String(term.signal)}` : `ExitCode:${String(term.exitCode)}`}`;
    else if (c.state?.waiting?.reason !== undefined && c.state.waiting.reason !== 'PodInitializing')
      reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${String(i)}/${String(initCount)}`;
  }
  if (!initializing) {
    restarts = 0;
    lastRestart = undefined;
    inits.forEach(noteRestart);
    let hasRunning = false;
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (c === undefined) continue;
      noteRestart(c);
      const w = c.state?.waiting?.reason;
      const term = c.state?.terminated;
      if (w !== undefined && w !== '') reason = w;
      else if (term !== undefined)
        reason =
          term.reason !== undefined && term.reason !== ''
            ? term.reason
            : term.signal !== undefined && term.signal !== 0
              ? `Signal:${String(term.signal)}`
              : `ExitCode:${String(term.exitCode)}`;
      else if (c.ready && c.state?.running !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const readyCond = pod.status.conditions?.find((c) => c.type === 'Ready');
      reason = readyCond?.status === 'True' ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp !== undefined)
    reason = pod.status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const restartText =
    lastRestart === undefined
      ? String(restarts)
      : `${String(restarts)} (${humanDuration(now - lastRestart)} ago)`;
  return [
    pod.metadata.name,
    `${String(ready)}/${String(total)}`,
    reason,
    restartText,
    age(pod, now),
    pod.status.podIP ?? '<none>',
    pod.spec.nodeName !== undefined && pod.spec.nodeName !== '' ? pod.spec.nodeName : '<none>',
    '<none>',
    '<none>',
  ];
}

export function podTable(
  pods: readonly ApiPod[],
  now: number,
  include: IncludeObject,
  rv: string,
): Table {
  return table(POD_COLUMNS, pods, (p) => podCells(p, now), include, rv);
}

export function configMapTable(
  items: readonly ApiObject[],
  now: number,
  include: IncludeObject,
  rv: string,
): Table {
  return table(
    [NAME, col('Data', 'Data contains the configuration data.', 0, 'integer'), AGE],
    items,
    (o) => [
      o.metadata.name,
      Object.keys((o.data as object | undefined) ?? {}).length +
        Object.keys((o.binaryData as object | undefined) ?? {}).length,
      age(o, now),
    ],
    include,
    rv,
  );
}

export function secretTable(
  items: readonly ApiObject[],
  now: number,
  include: IncludeObject,
  rv: string,
): Table {
  return table(
    [
      NAME,
      col('Type', 'The type of the secret'),
      col('Data', 'The number of entries in the secret', 0, 'integer'),
      AGE,
    ],
    items,
    (o) => [
      o.metadata.name,
      o.type,
      Object.keys((o.data as object | undefined) ?? {}).length,
      age(o, now),
    ],
    include,
    rv,
  );
}

export function namespaceTable(
  items: readonly ApiObject[],
  now: number,
  include: IncludeObject,
  rv: string,
): Table {
  return table(
    [NAME, col('Status', 'The status of the namespace'), AGE],
    items,
    (o) => [
      o.metadata.name,
      (o.status as { phase?: string } | undefined)?.phase ?? '',
      age(o, now),
    ],
    include,
    rv,
  );
}

/** kubectl's printEvent: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (and SUBOBJECT, SOURCE… wide). */
export function eventTable(
  items: readonly ApiObject[],
  now: number,
  include: IncludeObject,
  rv: string,
): Table {
  return table(
    [
      col('Last Seen', 'Time when last event occurred'),
      col('Type', 'Type of this event.'),
      col('Reason', 'Reason why this event was generated.'),
      col('Object', 'The object that this event is about.'),
      col('Subobject', 'The subobject that this event is about.', 1),
      col('Source', 'The component reporting this event.', 1),
      col('Message', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'Time when first event occurred', 1),
      col('Count', 'Number of times this event has occurred.', 1, 'integer'),
      col('Name', 'The name of this event.', 1),
    ],
    items,
    (o) => {
      const inv = (o.involvedObject ?? {}) as Record<string, string | undefined>;
      const src = (o.source ?? {}) as Record<string, string | undefined>;
      const last =
        typeof o.lastTimestamp === 'string'
          ? humanDuration(now - Date.parse(o.lastTimestamp))
          : '<unknown>';
      const first =
        typeof o.firstTimestamp === 'string'
          ? humanDuration(now - Date.parse(o.firstTimestamp))
          : '<unknown>';
      return [
        last,
        o.type,
        o.reason,
        `${(inv.kind ?? '').toLowerCase()}/${inv.name ?? ''}`,
        inv.fieldPath ?? '',
        `${src.component ?? ''}, ${src.host ?? ''}`,
        o.message,
        first,
        o.count,
        o.metadata.name,
      ];
    },
    include,
    rv,
  );
}

/** True when the Accept header asks for a meta.k8s.io/v1 Table (kubectl get sends it first). */
export function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept
    .split(',')
    .map((p) => p.trim())
    .some(
      (p) =>
        /;\s*as=Table/.test(p) &&
        /;\s*g=meta\.k8s\.io/.test(p) &&
        /;\s*v=v1(beta1)?\b/.test(p) &&
        p.startsWith('application/json'),
    );
}
