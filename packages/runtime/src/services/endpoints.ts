import type { PodRecord } from '../pod/pod-store.js';
import type { Service, ServicePort } from '../spec/types.js';

/** One pod behind a Service: its address, and the container port each Service port goes to. */
export interface ServiceEndpoint {
  ip: string;
  podName: string;
  podUid: string;
  /** spec.hostname of a pod whose subdomain names this Service (DNS `hostname.svc.ns.svc…`). */
  hostname: string | undefined;
  ready: boolean;
  /** Service port key (its name, or '' for the one unnamed port) → the pod's port number. */
  ports: Record<string, number>;
}

/** The key of a Service port in ServiceEndpoint.ports. */
export function portKey(p: Pick<ServicePort, 'name'>): string {
  return p.name ?? '';
}

/** True when every label of the selector is on the pod (an empty selector selects nothing). */
export function selects(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

/** Whether the pod's Ready condition is True. */
export function podReady(r: PodRecord): boolean {
  return r.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * A Service's endpoints from the pods of the node, as the endpoints controller computes them:
 * pods of the Service's namespace whose labels match its selector, that have an IP and are
 * neither ended nor terminating (a pod asked to stop leaves at once, while it still runs its
 * grace period), Ready ones only unless `publishNotReadyAddresses`. A named targetPort resolves
 * to the pod's container port of that name and protocol; a pod without it serves the other
 * ports only. Sorted by pod name, so the result is the same for the same pods.
 */
export function serviceEndpoints(service: Service, pods: readonly PodRecord[]): ServiceEndpoint[] {
  const { spec, metadata } = service;
  const out: ServiceEndpoint[] = [];
  for (const r of pods) {
    if (r.namespace !== metadata.namespace) continue;
    if (!selects(spec.selector, r.pod.metadata.labels)) continue;
    const ip = r.status.podIP;
    if (ip === undefined || ip === '') continue;
    if (r.released || r.deletionTimestamp !== undefined) continue;
    if (r.status.phase === 'Succeeded' || r.status.phase === 'Failed') continue;
    const ready = podReady(r);
    if (!ready && !spec.publishNotReadyAddresses) continue;
    const ports: Record<string, number> = {};
    for (const sp of spec.ports) {
      const target = resolveTargetPort(r, sp);
      if (target !== undefined) ports[portKey(sp)] = target;
    }
    if (spec.ports.length > 0 && Object.keys(ports).length === 0) continue;
    // As the endpoints controller: only a hostname the pod sets, with this Service as subdomain.
    const hostname = r.pod.spec.subdomain === metadata.name ? r.pod.spec.hostname : undefined;
    out.push({ ip, podName: r.name, podUid: r.uid, hostname, ready, ports });
  }
  return out.sort((a, b) => a.podName.localeCompare(b.podName));
}

function resolveTargetPort(r: PodRecord, sp: ServicePort): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  const containers = [...r.pod.spec.initContainers, ...r.pod.spec.containers];
  for (const c of containers) {
    for (const p of c.ports) {
      if (p.name === sp.targetPort && p.protocol === sp.protocol) return p.containerPort;
    }
  }
  return undefined;
}
