/**
 * Table answers for Services, Endpoints, claims and workloads, with kubectl's printers' columns
 * and cells (pkg/printers/internalversion/printers.go). Pure: the time is passed in.
 */
import type { ApiObject } from './objects.js';
import {
  AGE,
  NAME,
  age,
  col,
  humanDuration,
  table,
  type IncludeObject,
  type Table,
} from './tables.js';

type Row = (o: ApiObject, now: number) => unknown[];

interface PodTemplateLike {
  spec?: { containers?: { name: string; image?: string }[] };
}

const spec = (o: ApiObject): Record<string, unknown> => (o.spec ?? {}) as Record<string, unknown>;
const status = (o: ApiObject): Record<string, unknown> =>
  (o.status ?? {}) as Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function containers(o: ApiObject): [string, string] {
  const t = spec(o).template as PodTemplateLike | undefined;
  const list = t?.spec?.containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)`, `<none>` when empty. */
export function formatSelector(s: unknown): string {
  const sel = (s ?? {}) as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const parts = Object.entries(sel.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

const WIDE_WORKLOAD = [
  col('Containers', 'Names of each container in the template.', 1),
  col('Images', 'Images referenced by each container in the template.', 1),
  col('Selector', 'Label selector for pods.', 1),
];

function tabler(columns: ReturnType<typeof col>[], row: Row) {
  return (items: readonly ApiObject[], now: number, include: IncludeObject, rv: string): Table =>
    table(columns, items, (o) => row(o, now), include, rv);
}

function mapSelector(m: unknown): string {
  const e = Object.entries((m ?? {}) as Record<string, string>).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return e.length === 0 ? '<none>' : e.map(([k, v]) => `${k}=${v}`).join(',');
}

export const serviceTable = tabler(
  [
    NAME,
    col('Type', 'The type of the service.'),
    col('Cluster-IP', 'The cluster IP of the service.'),
    col('External-IP', 'The external IP of the service.'),
    col('Port(s)', 'The ports of the service.'),
    AGE,
    col('Selector', 'The selector of the service.', 1),
  ],
  (o, now) => {
    const s = spec(o);
    const ports = ((s.ports ?? []) as { port: number; nodePort?: number; protocol: string }[])
      .map((p) =>
        p.nodePort === undefined
          ? `${String(p.port)}/${p.protocol}`
          : `${String(p.port)}:${String(p.nodePort)}/${p.protocol}`,
      )
      .join(',');
    return [
      o.metadata.name,
      s.type,
      s.clusterIP ?? '<none>',
      '<none>',
      ports === '' ? '<none>' : ports,
      age(o, now),
      mapSelector(s.selector),
    ];
  },
);

export const endpointsTable = tabler(
  [NAME, col('Endpoints', 'Endpoints of the resource.'), AGE],
  (o, now) => {
    const subsets = (o.subsets ?? []) as {
      addresses?: { ip: string }[];
      ports?: { port: number }[];
    }[];
    const all: string[] = [];
    for (const s of subsets)
      for (const a of s.addresses ?? [])
        for (const p of s.ports ?? [{ port: undefined }])
          all.push(p.port === undefined ? a.ip : `${a.ip}:${String(p.port)}`);
    const shown =
      all.length === 0
        ? '<none>'
        : all.length > 3
          ? `${all.slice(0, 3).join(',')} + ${String(all.length - 3)} more...`
          : all.join(',');
    return [o.metadata.name, shown, age(o, now)];
  },
);

const MODES: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

export const claimTable = tabler(
  [
    NAME,
    col('Status', 'The status of the claim.'),
    col('Volume', 'The volume bound to the claim.'),
    col('Capacity', 'The capacity of the volume.'),
    col('Access Modes', 'The access modes of the volume.'),
    col('StorageClass', 'The storage class of the claim.'),
    col('VolumeAttributesClass', 'The volume attributes class of the claim.'),
    AGE,
    col('VolumeMode', 'The volume mode of the claim.', 1),
  ],
  (o, now) => {
    const s = spec(o);
    const st = status(o);
    return [
      o.metadata.name,
      st.phase ?? '',
      s.volumeName ?? '',
      ((st.capacity ?? {}) as Record<string, string>).storage ?? '',
      ((s.accessModes ?? []) as string[]).map((m) => MODES[m] ?? m).join(','),
      s.storageClassName ?? '',
      '<unset>',
      age(o, now),
      s.volumeMode ?? 'Filesystem',
    ];
  },
);

export const deploymentTable = tabler(
  [
    NAME,
    col('Ready', 'Number of the pod with ready state'),
    col(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      0,
      'integer',
    ),
    col(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      0,
      'integer',
    ),
    AGE,
    ...WIDE_WORKLOAD,
  ],
  (o, now) => {
    const st = status(o);
    const [names, images] = containers(o);
    return [
      o.metadata.name,
      `${String(num(st.readyReplicas))}/${String(num(spec(o).replicas))}`,
      num(st.updatedReplicas),
      num(st.availableReplicas),
      age(o, now),
      names,
      images,
      formatSelector(spec(o).selector),
    ];
  },
);

export const replicaSetTable = tabler(
  [
    NAME,
    col('Desired', 'Number of desired pods.', 0, 'integer'),
    col('Current', 'Number of actual replicas.', 0, 'integer'),
    col('Ready', 'The number of ready replicas for this replica set.', 0, 'integer'),
    AGE,
    ...WIDE_WORKLOAD,
  ],
  (o, now) => {
    const st = status(o);
    const [names, images] = containers(o);
    return [
      o.metadata.name,
      num(spec(o).replicas),
      num(st.replicas),
      num(st.readyReplicas),
      age(o, now),
      names,
      images,
      formatSelector(spec(o).selector),
    ];
  },
);

export const statefulSetTable = tabler(
  [
    NAME,
    col('Ready', 'Number of the pod with ready state'),
    AGE,
    col('Containers', 'Names of each container in the template.', 1),
    col('Images', 'Images referenced by each container in the template.', 1),
  ],
  (o, now) => {
    const [names, images] = containers(o);
    return [
      o.metadata.name,
      `${String(num(status(o).readyReplicas))}/${String(num(spec(o).replicas))}`,
      age(o, now),
      names,
      images,
    ];
  },
);

export const daemonSetTable = tabler(
  [
    NAME,
    col('Desired', 'The desired number of daemon pods.', 0, 'integer'),
    col('Current', 'The current number of daemon pods.', 0, 'integer'),
    col('Ready', 'The ready number of daemon pods.', 0, 'integer'),
    col('Up-to-date', 'The updated number of daemon pods.', 0, 'integer'),
    col('Available', 'The available number of daemon pods.', 0, 'integer'),
    col('Node Selector', 'Which nodes the daemon pods run on.'),
    AGE,
    ...WIDE_WORKLOAD,
  ],
  (o, now) => {
    const st = status(o);
    const [names, images] = containers(o);
    const template = (spec(o).template ?? {}) as { spec?: { nodeSelector?: unknown } };
    return [
      o.metadata.name,
      num(st.desiredNumberScheduled),
      num(st.currentNumberScheduled),
      num(st.numberReady),
      num(st.updatedNumberScheduled),
      num(st.numberAvailable),
      mapSelector(template.spec?.nodeSelector),
      age(o, now),
      names,
      images,
      formatSelector(spec(o).selector),
    ];
  },
);

export const jobTable = tabler(
  [
    NAME,
    col('Status', 'Status of the job.'),
    col('Completions', 'The completion status of the job.'),
    col('Duration', 'Time required to complete the job.'),
    AGE,
    ...WIDE_WORKLOAD,
  ],
  (o, now) => {
    const s = spec(o);
    const st = status(o);
    const conditions = (st.conditions ?? []) as { type: string; status: string }[];
    const done = (type: string): boolean =>
      conditions.some((c) => c.type === type && c.status === 'True');
    const state = done('Complete')
      ? 'Complete'
      : done('Failed')
        ? 'Failed'
        : num(st.active) > 0 || st.startTime !== undefined
          ? 'Running'
          : 'Pending';
    const completions =
      typeof s.completions === 'number'
        ? `${String(num(st.succeeded))}/${String(s.completions)}`
        : `${String(num(st.succeeded))}/1 of ${String(num(s.parallelism))}`;
    const start = typeof st.startTime === 'string' ? Date.parse(st.startTime) : undefined;
    const end = typeof st.completionTime === 'string' ? Date.parse(st.completionTime) : now;
    const [names, images] = containers(o);
    return [
      o.metadata.name,
      state,
      completions,
      start === undefined ? '' : humanDuration(end - start),
      age(o, now),
      names,
      images,
      formatSelector(s.selector),
    ];
  },
);
