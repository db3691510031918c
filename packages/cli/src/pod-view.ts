import type { Container, ContainerStatus, Pod, PodRecord } from '@podkit/runtime';

/**
 * A duration as kubectl prints ages (apimachinery's duration.HumanDuration): `45s`, `3m12s`,
 * `15m`, `5h3m`, `30h`, `3d4h`, `40d`, `2y10d`.
 */
export function humanAge(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** One container's state in a word: Running, Completed, Error, CrashLoopBackOff… */
export function containerStatusText(status: ContainerStatus | undefined): string {
  const state = status?.state;
  if (state?.waiting !== undefined) return state.waiting.reason;
  if (state?.running !== undefined) return 'Running';
  const t = state?.terminated;
  if (t !== undefined) {
    if (t.reason !== '') return t.reason;
    return t.signal !== undefined && t.signal !== 0
      ? `Signal:${t.signal}`
      : `ExitCode:${t.exitCode}`;
  }
  return 'Waiting';
}

/**
 * The STATUS column of `kubectl get pods` (its printPod rules): the phase, overridden by the
 * pod's reason, by an init container still at work (`Init:0/1`, `Init:Error`), then by the
 * waiting or terminated reason of a main container; `Completed` turns back into `Running`
 * while another container still runs.
 */
export function podStatusText(record: PodRecord): string {
  const st = record.status;
  let reason: string = st.reason ?? st.phase;
  const spec = record.pod.spec;
  let initializing = false;
  for (const [i, c] of st.initContainerStatuses.entries()) {
    const sidecar = spec.initContainers.find((s) => s.name === c.name)?.restartPolicy === 'Always';
    const t = c.state.terminated;
    if (t !== undefined && t.exitCode === 0) continue;
    if (sidecar && c.started) continue;
    if (t !== undefined) {
      reason = t.reason !== '' ? `Init:${t.reason}` : `Init:ExitCode:${t.exitCode}`;
    } else if (
      c.state.waiting !== undefined &&
      c.state.waiting.reason !== '' &&
      c.state.waiting.reason !== 'PodInitializing' &&
      c.state.waiting.reason !== 'ContainerCreating'
    ) {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${spec.initContainers.length}`;
    }
    initializing = true;
    break;
  }
  const initialized = st.conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    let running = false;
    for (const c of [...st.containerStatuses].reverse()) {
      if (c.state.waiting !== undefined && c.state.waiting.reason !== '') {
        reason = c.state.waiting.reason;
      } else if (c.state.terminated !== undefined) {
        reason = containerStatusText(c);
      } else if (c.state.running !== undefined) {
        running = true;
      }
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  return reason;
}

/** The containers READY counts, as kubectl does: main containers and native sidecars. */
function countedStatuses(record: PodRecord): ContainerStatus[] {
  const sidecars = new Set(
    record.pod.spec.initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  return [
    ...record.status.initContainerStatuses.filter((c) => sidecars.has(c.name)),
    ...record.status.containerStatuses,
  ];
}

/** `2/2`: ready containers over all (main + sidecar) containers. */
export function readyText(record: PodRecord): string {
  const spec = record.pod.spec;
  const total =
    spec.containers.length + spec.initContainers.filter((c) => c.restartPolicy === 'Always').length;
  const ready = countedStatuses(record).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

/** Restarts of every container of the pod. */
export function restartsOf(record: PodRecord): number {
  return [...record.status.initContainerStatuses, ...record.status.containerStatuses].reduce(
    (n, c) => n + c.restartCount,
    0,
  );
}

/** `127.0.0.1:8080->80/tcp, 9090/tcp` like `docker ps`: published ports with their host side. */
export function portsText(pod: Pod, containers: readonly Container[] = allContainers(pod)): string {
  const out: string[] = [];
  for (const c of containers) {
    for (const p of c.ports) {
      const proto = p.protocol.toLowerCase();
      const hostPort = pod.spec.hostNetwork ? p.containerPort : (p.hostPort ?? 0);
      if (hostPort === 0) {
        out.push(`${p.containerPort}/${proto}`);
        continue;
      }
      const ip = p.hostIP !== undefined && p.hostIP !== '' ? `${p.hostIP}:` : '';
      out.push(`${ip}${hostPort}->${p.containerPort}/${proto}`);
    }
  }
  return out.join(', ');
}

export function allContainers(pod: Pod): Container[] {
  return [...pod.spec.initContainers, ...pod.spec.containers];
}

/** A container's status by name, among init and main containers. */
export function statusOf(record: PodRecord, name: string): ContainerStatus | undefined {
  return [...record.status.initContainerStatuses, ...record.status.containerStatuses].find(
    (c) => c.name === name,
  );
}
