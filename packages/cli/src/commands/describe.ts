import type { Command } from 'commander';
import {
  type Container,
  type ContainerState,
  type ContainerStatus,
  type PodEvent,
  type PodRecord,
  type Probe,
  type Volume,
} from '@podkit/runtime';
import { UsageError } from '../errors.js';
import { globalOptions } from '../context.js';
import { agentFor, getPod, podEvents } from '../agent-access.js';
import type { CliIo } from '../io.js';
import { humanAge, statusOf } from '../pod-view.js';
import type { CommandState } from '../program.js';
import { renderTable } from '../table.js';

const pad2 = (n: number): string => String(n).padStart(2, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time as kubectl describe prints it (Go's RFC1123Z, local time): `Tue, 25 Nov 2025 17:34:00 +0100`. */
export function describeTime(iso: string | undefined): string {
  if (iso === undefined) return '<unknown>';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const zone = `${sign}${pad2(Math.trunc(Math.abs(off) / 60))}${pad2(Math.abs(off) % 60)}`;
  return `${DAYS[d.getDay()] ?? ''}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()] ?? ''} ${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`;
}

/** Lines of `label:   value`, values aligned within one block (kubectl's tabwriter). */
class Block {
  readonly #rows: { indent: number; label: string; value: string }[] = [];
  add(indent: number, label: string, value = ''): this {
    this.#rows.push({ indent, label, value });
    return this;
  }
  /** A multi-line value (labels, mounts): first line beside the label, the rest under it. */
  addList(indent: number, label: string, values: readonly string[], none = '<none>'): this {
    const [first, ...rest] = values.length === 0 ? [none] : values;
    this.add(indent, label, first);
    for (const v of rest) this.add(indent, '', v);
    return this;
  }
  render(): string {
    const width = Math.max(...this.#rows.map((r) => r.indent + r.label.length + 1)) + 2;
    return this.#rows
      .map((r) => {
        const head = ' '.repeat(r.indent) + (r.label === '' ? '' : `${r.label}:`);
        return r.value === '' ? `${head}\n` : `${head.padEnd(width)}${r.value}\n`;
      })
      .join('');
  }
}

function stateLines(b: Block, indent: number, label: string, state: ContainerState): void {
  if (state.running !== undefined) {
    b.add(indent, label, 'Running');
    b.add(indent + 2, 'Started', describeTime(state.running.startedAt));
  } else if (state.terminated !== undefined) {
    const t = state.terminated;
    b.add(indent, label, 'Terminated');
    b.add(indent + 2, 'Reason', t.reason);
    if (t.message !== undefined) b.add(indent + 2, 'Message', t.message);
    b.add(indent + 2, 'Exit Code', String(t.exitCode));
    if (t.signal !== undefined) b.add(indent + 2, 'Signal', String(t.signal));
    b.add(indent + 2, 'Started', describeTime(t.startedAt));
    b.add(indent + 2, 'Finished', describeTime(t.finishedAt));
  } else if (state.waiting !== undefined) {
    b.add(indent, label, 'Waiting');
    b.add(indent + 2, 'Reason', state.waiting.reason);
    if (state.waiting.message !== undefined) b.add(indent + 2, 'Message', state.waiting.message);
  } else {
    b.add(indent, label, '<none>');
  }
}

function envText(e: Container['env'][number]): string {
  const from = e.valueFrom;
  if (from?.fieldRef !== undefined)
    return `${e.name}:  (${from.fieldRef.apiVersion}:${from.fieldRef.fieldPath})`;
  if (from?.resourceFieldRef !== undefined)
    return `${e.name}:  ${from.resourceFieldRef.resource} (${from.resourceFieldRef.containerName ?? 'this container'})`;
  if (from?.configMapKeyRef !== undefined)
    return `${e.name}:  <set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>`;
  if (from?.secretKeyRef !== undefined)
    return `${e.name}:  <set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>`;
  return `${e.name}:  ${e.value ?? ''}`;
}

/** A probe as kubectl describe prints it: handler, then its timing and thresholds. */
export function probeText(p: Probe): string {
  let handler = 'unknown';
  if (p.exec !== undefined) handler = `exec [${p.exec.command.join(' ')}]`;
  else if (p.httpGet !== undefined) {
    const h = p.httpGet;
    handler = `http-get ${h.scheme.toLowerCase()}://${h.host ?? ''}:${String(h.port)}${h.path}`;
  } else if (p.tcpSocket !== undefined)
    handler = `tcp-socket ${p.tcpSocket.host ?? ''}:${String(p.tcpSocket.port)}`;
  else if (p.grpc !== undefined) handler = `grpc <pod>:${p.grpc.port} ${p.grpc.service}`.trimEnd();
  return `${handler} delay=${p.initialDelaySeconds}s timeout=${p.timeoutSeconds}s period=${p.periodSeconds}s #success=${p.successThreshold} #failure=${p.failureThreshold}`;
}

/**
 * Events as kubectl lists them: identical ones (type, reason, object, message) folded into one
 * row with `AGE (xN over FIRST)`, ordered by their last occurrence.
 */
export function foldEvents(
  events: readonly PodEvent[],
  now: number,
): [string, string, string, string, string][] {
  const groups = new Map<string, { e: PodEvent; first: number; last: number; n: number }>();
  for (const e of events) {
    const key = JSON.stringify([e.type, e.reason, e.object, e.message]);
    const at = Date.parse(e.time);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { e, first: at, last: at, n: 1 });
    else {
      g.last = Math.max(g.last, at);
      g.n++;
    }
  }
  return [...groups.values()]
    .sort((a, b) => a.last - b.last)
    .map((g) => [
      g.e.type,
      g.e.reason,
      g.n === 1
        ? humanAge(now - g.last)
        : `${humanAge(now - g.last)} (x${g.n} over ${humanAge(now - g.first)})`,
      'podkit',
      g.e.message,
    ]);
}

function containerBlock(
  b: Block,
  c: Container,
  st: ContainerStatus | undefined,
  hostNetwork: boolean,
): void {
  b.add(2, c.name);
  b.add(4, 'Container ID', st?.containerID ?? '');
  b.add(4, 'Image', c.image);
  b.add(4, 'Image ID', st?.imageID ?? '');
  const ports = c.ports.map((p) => `${p.containerPort}/${p.protocol}`);
  const hostPorts = c.ports.map(
    (p) => `${hostNetwork ? p.containerPort : (p.hostPort ?? 0)}/${p.protocol}`,
  );
  b.add(4, ports.length > 1 ? 'Ports' : 'Port', ports.length === 0 ? '<none>' : ports.join(', '));
  b.add(
    4,
    hostPorts.length > 1 ? 'Host Ports' : 'Host Port',
    hostPorts.length === 0 ? '<none>' : hostPorts.join(', '),
  );
  if (c.command.length > 0) b.addList(4, 'Command', c.command);
  if (c.args.length > 0) b.addList(4, 'Args', c.args);
  stateLines(b, 4, 'State', st?.state ?? {});
  stateLines(b, 4, 'Last State', st?.lastState ?? {});
  b.add(4, 'Ready', st?.ready === true ? 'True' : 'False');
  b.add(4, 'Restart Count', String(st?.restartCount ?? 0));
  if (c.livenessProbe !== undefined) b.add(4, 'Liveness', probeText(c.livenessProbe));
  if (c.readinessProbe !== undefined) b.add(4, 'Readiness', probeText(c.readinessProbe));
  if (c.startupProbe !== undefined) b.add(4, 'Startup', probeText(c.startupProbe));
  const quantities = (r: Record<string, string>): string[] =>
    Object.entries(r).map(([k, v]) => `${k}: ${v}`);
  if (Object.keys(c.resources.limits).length > 0)
    b.addList(4, 'Limits', quantities(c.resources.limits));
  if (Object.keys(c.resources.requests).length > 0)
    b.addList(4, 'Requests', quantities(c.resources.requests));
  if (c.envFrom.length > 0) {
    b.addList(
      4,
      'Environment Variables from',
      c.envFrom.map((f) =>
        f.configMapRef !== undefined
          ? `${f.configMapRef.name}  ConfigMap  Optional: ${f.configMapRef.optional}`
          : `${f.secretRef?.name ?? ''}  Secret  Optional: ${f.secretRef?.optional ?? false}`,
      ),
    );
  }
  b.addList(4, 'Environment', c.env.map(envText));
  b.addList(
    4,
    'Mounts',
    c.volumeMounts.map(
      (m) =>
        `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'}${m.subPath !== undefined ? `,path="${m.subPath}"` : ''})`,
    ),
  );
}

function volumeBlock(b: Block, v: Volume): void {
  b.add(2, v.name);
  if (v.emptyDir !== undefined) {
    b.add(4, 'Type', "EmptyDir (a temporary directory that shares a pod's lifetime)");
    b.add(4, 'Medium', v.emptyDir.medium);
    b.add(4, 'SizeLimit', v.emptyDir.sizeLimit ?? '<unset>');
  } else if (v.hostPath !== undefined) {
    b.add(4, 'Type', 'HostPath (bare host directory volume)');
    b.add(4, 'Path', v.hostPath.path);
    b.add(4, 'HostPathType', v.hostPath.type);
  } else if (v.configMap !== undefined) {
    b.add(4, 'Type', 'ConfigMap (a volume populated by a ConfigMap)');
    b.add(4, 'Name', v.configMap.name);
    b.add(4, 'Optional', String(v.configMap.optional));
  } else if (v.secret !== undefined) {
    b.add(4, 'Type', 'Secret (a volume populated by a Secret)');
    b.add(4, 'SecretName', v.secret.secretName);
    b.add(4, 'Optional', String(v.secret.optional));
  } else if (v.downwardAPI !== undefined) {
    b.add(4, 'Type', 'DownwardAPI (a volume populated by information about the pod)');
    b.addList(
      4,
      'Items',
      v.downwardAPI.items.map(
        (i) => `${i.fieldRef?.fieldPath ?? i.resourceFieldRef?.resource ?? '?'} -> ${i.path}`,
      ),
    );
  } else if (v.projected !== undefined) {
    b.add(4, 'Type', 'Projected (a volume that contains injected data from multiple sources)');
    for (const s of v.projected.sources) {
      if (s.configMap !== undefined) b.add(4, 'ConfigMapName', s.configMap.name);
      if (s.secret !== undefined) b.add(4, 'SecretName', s.secret.name);
      if (s.downwardAPI !== undefined) b.add(4, 'DownwardAPI', 'true');
    }
  }
}

/** The text of `podkit describe NAME`, laid out like `kubectl describe pod`. */
export function renderDescribe(
  record: PodRecord,
  events: readonly PodEvent[],
  now: number,
): string {
  const pod = record.pod;
  const st = record.status;
  const b = new Block();
  b.add(0, 'Name', record.name);
  b.add(0, 'Namespace', record.namespace);
  b.add(0, 'Start Time', describeTime(st.startTime ?? record.createdAt));
  b.addList(
    0,
    'Labels',
    Object.entries(pod.metadata.labels).map(([k, v]) => `${k}=${v}`),
  );
  b.addList(
    0,
    'Annotations',
    Object.entries(pod.metadata.annotations).map(([k, v]) => `${k}: ${v}`),
  );
  b.add(0, 'Status', st.phase);
  if (st.reason !== undefined) b.add(0, 'Reason', st.reason);
  if (st.message !== undefined) b.add(0, 'Message', st.message);
  b.add(0, 'IP', st.podIP ?? '');
  // kubectl's line for a pod a controller owns (a Deployment's pods: their ReplicaSet).
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  if (owner !== undefined) b.add(0, 'Controlled By', `${owner.kind}/${owner.name}`);
  b.add(0, 'Source', record.source);
  if (pod.spec.initContainers.length > 0) {
    b.add(0, 'Init Containers');
    for (const c of pod.spec.initContainers)
      containerBlock(b, c, statusOf(record, c.name), pod.spec.hostNetwork);
  }
  b.add(0, 'Containers');
  for (const c of pod.spec.containers)
    containerBlock(b, c, statusOf(record, c.name), pod.spec.hostNetwork);
  let out = b.render();
  out += 'Conditions:\n';
  out += renderTable(
    ['Type', 'Status'],
    st.conditions.map((c) => [c.type, c.status]),
    { indent: '  ' },
  );
  const vb = new Block();
  for (const v of pod.spec.volumes) volumeBlock(vb, v);
  out +=
    pod.spec.volumes.length === 0
      ? 'Volumes:                     <none>\n'
      : `Volumes:\n${vb.render()}`;
  if (events.length === 0) {
    out += 'Events:                      <none>\n';
  } else {
    out += 'Events:\n';
    const rows = foldEvents(events, now);
    out += renderTable(
      ['Type', 'Reason', 'Age', 'From', 'Message'],
      [['----', '------', '----', '----', '-------'], ...rows],
      { indent: '  ' },
    );
  }
  return out;
}

/** `podkit describe NAME`: the pod, its containers' states, conditions, volumes and events. */
export function registerDescribe(program: Command, io: CliIo, _state: CommandState): void {
  program
    .command('describe')
    .description('show a pod in detail: containers, states, conditions, volumes, events')
    .argument('<name>', "pod name (kubectl's `pod NAME` and `pod/NAME` too)")
    .argument('[pod]', 'with `pod` (or po, pods) first: the pod name')
    .action(
      async (first: string, second: string | undefined, _options: unknown, command: Command) => {
        const name = podName(first, second);
        const client = await agentFor(command, io);
        const record = await getPod(client, globalOptions(command).namespace, name);
        const events = await podEvents(client, record.namespace, record.name);
        io.stdout.write(renderDescribe(record, events, Date.now()));
      },
    );
}

const POD_WORDS = new Set(['pod', 'pods', 'po']);

/** The pod `describe NAME`, `describe pod NAME` or `describe pod/NAME` names. */
function podName(first: string, second: string | undefined): string {
  const slash = first.indexOf('/');
  if (second === undefined && slash > 0) {
    if (!POD_WORDS.has(first.slice(0, slash)))
      throw new UsageError(`podkit describe shows pods, not ${first.slice(0, slash)}`, {
        hint: 'podkit describe pod/NAME (or NAME)',
      });
    return first.slice(slash + 1);
  }
  if (second === undefined) return first;
  if (!POD_WORDS.has(first))
    throw new UsageError(`podkit describe shows pods, not ${first}`, {
      hint: 'podkit describe pod NAME (or NAME)',
    });
  return second;
}
