import { Option, type Command } from 'commander';
import type { PodRecord, WorkloadRecord } from '@podkit/runtime';
import { agentFor, listPods, listWorkloads } from '../agent-access.js';
import type { CliIo } from '../io.js';
import {
  allContainers,
  containerStatusText,
  humanAge,
  podStatusText,
  portsText,
  readyText,
  restartsOf,
  statusOf,
} from '../pod-view.js';
import { inWorkloadOrder, workloadOf } from '../pod-workload.js';
import type { CommandState } from '../program.js';
import { colorsFor, type Colors } from '../render.js';
import { renderTable } from '../table.js';

interface PsOptions {
  all?: boolean | undefined;
  output: 'text' | 'json';
}

/** One row of `podkit ps -o json`. */
export interface PsPod {
  name: string;
  namespace: string;
  uid: string;
  phase: string;
  status: string;
  ready: string;
  restarts: number;
  ip: string | undefined;
  ports: string;
  createdAt: string;
  /** The controller that owns the pod (`ReplicaSet/web-7c5ddbdf54`), if any. */
  owner: string | undefined;
  /** The workload the pod belongs to (`deployment/web`: its ReplicaSet's owner), if any. */
  workload: string | undefined;
  containers: {
    name: string;
    kind: 'init' | 'sidecar' | 'main';
    image: string;
    status: string;
    ready: boolean;
    restarts: number;
    ports: string;
  }[];
}

export function psPod(record: PodRecord, workloads: readonly WorkloadRecord[] = []): PsPod {
  const spec = record.pod.spec;
  return {
    name: record.name,
    namespace: record.namespace,
    uid: record.uid,
    phase: record.status.phase,
    status: podStatusText(record),
    ready: readyText(record),
    restarts: restartsOf(record),
    ip: record.status.podIP,
    ports: portsText(record.pod),
    createdAt: record.createdAt,
    owner: ownerText(record),
    workload: workloadOf(record, workloads),
    containers: allContainers(record.pod).map((c) => {
      const st = statusOf(record, c.name);
      const init = spec.initContainers.includes(c);
      return {
        name: c.name,
        kind: init ? (c.restartPolicy === 'Always' ? 'sidecar' : 'init') : 'main',
        image: c.image,
        status: containerStatusText(st),
        ready: st?.ready ?? false,
        restarts: st?.restartCount ?? 0,
        ports: portsText(record.pod, [c]),
      };
    }),
  };
}

function ownerText(record: PodRecord): string | undefined {
  const o = record.pod.metadata.ownerReferences?.find((x) => x.controller);
  return o === undefined ? undefined : `${o.kind}/${o.name}`;
}

function statusColour(status: string, c: Colors): string {
  if (status === 'Running' || status === 'Completed') return c.green(status);
  if (status.startsWith('Unknown') || /Error|BackOff|Failed|OOM/.test(status)) return c.red(status);
  return c.yellow(status);
}

/**
 * The `podkit ps` table: a row per pod, then a row per container, indented under it. Pods of
 * one workload come together (WORKLOAD `deployment/web`), bare pods after.
 */
export function renderPs(pods: readonly PsPod[], now: number, c: Colors): string {
  const withNamespace = pods.some((p) => p.namespace !== 'default');
  // Columns of workloads and owners only when a controller owns some pod (a Deployment's:
  // its ReplicaSet, the Deployment its workload).
  const withOwner = pods.some((p) => p.owner !== undefined);
  const rows: string[][] = [];
  for (const p of inWorkloadOrder(pods)) {
    rows.push([
      ...(withNamespace ? [p.namespace] : []),
      c.bold(p.name),
      p.ready,
      statusColour(p.status, c),
      String(p.restarts),
      p.ip ?? '',
      p.ports,
      humanAge(now - Date.parse(p.createdAt)),
      ...(withOwner ? [p.workload ?? '', p.owner ?? ''] : []),
    ]);
    for (const x of p.containers) {
      rows.push([
        ...(withNamespace ? [''] : []),
        `  ${x.kind === 'main' ? '' : `${x.kind}:`}${x.name}`,
        x.ready ? '1/1' : '0/1',
        statusColour(x.status, c),
        String(x.restarts),
        '',
        x.ports,
        '',
        ...(withOwner ? ['', ''] : []),
      ]);
    }
  }
  const headers = [
    ...(withNamespace ? ['NAMESPACE'] : []),
    'NAME',
    'READY',
    'STATUS',
    'RESTARTS',
    'IP',
    'PORTS',
    'AGE',
    ...(withOwner ? ['WORKLOAD', 'OWNER'] : []),
  ];
  return renderTable(headers, rows);
}

/**
 * `podkit ps [-a] [-o json]`: the pods of the state root with their containers: READY, STATUS
 * (kubectl's words), RESTARTS, IP, published PORTS and AGE, grouped by WORKLOAD (with the
 * OWNER controller). Without -a, pods that ended (their
 * worker released them; `podkit down` removes them) are left out.
 */
export function registerPs(program: Command, io: CliIo, _state: CommandState): void {
  program
    .command('ps')
    .description('list pods and their containers')
    .option('-a, --all', 'also pods that ended (Succeeded or Failed, kept until podkit down)')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (options: PsOptions, command: Command) => {
      const client = await agentFor(command, io);
      const [records, workloads] = await Promise.all([listPods(client), listWorkloads(client)]);
      const pods: PsPod[] = [];
      for (const r of records) {
        if (r.released && options.all !== true) continue;
        pods.push(
          psPod(
            r,
            workloads.map((w) => w.record),
          ),
        );
      }
      if (options.output === 'json') {
        io.stdout.write(`${JSON.stringify({ pods }, null, 2)}\n`);
        return;
      }
      // Like kubectl: nothing on stdout when there is nothing, the note on stderr.
      if (pods.length === 0)
        io.stderr.write(
          `No pods${options.all === true ? '' : ' running (-a shows ended ones)'}.\n`,
        );
      else io.stdout.write(renderPs(pods, Date.now(), colorsFor(io)));
    });
}
