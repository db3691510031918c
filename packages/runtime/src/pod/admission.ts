import { listServiceRecords } from '../services/service-store.js';
import { cpus, totalmem } from 'node:os';
import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';
import type { ImageRecord } from '../images/image-store.js';
import type { PortMapping } from '../network/pod-network.js';
import { findHostPortConflicts } from '../network/host-ports.js';
import { cpuMillis, memoryBytes } from '../spec/quantity.js';
import type { Container, Pod } from '../spec/types.js';
import type { StateLayout } from '../state/state-root.js';
import { checkVolumes } from '../volumes/volume-manager.js';
import { bindPodClaims } from '../claims/pod-claims.js';
import type { KeyedData, VolumeObjects } from '../volumes/types.js';
import { resolveContainerEnv, type PodObjects } from './container-env.js';
import { resolvePodImages, type PodPullOptions } from './pod-images.js';
import { listPodRecords } from './pod-store.js';

/** Thrown when a pod cannot be admitted; `problems` lists every reason. Nothing was created. */
export class AdmissionError extends PodkitError {
  readonly problems: readonly string[];
  constructor(pod: Pod, problems: readonly string[]) {
    super(
      RuntimeErrorCode.POD_ADMISSION_FAILED,
      `pod ${pod.metadata.namespace}/${pod.metadata.name} cannot start (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: 'fix the problems above and run the command again; nothing was created' },
    );
    this.name = 'AdmissionError';
    this.problems = problems;
  }
}

/** What admission resolved, for the worker to use as is. */
export interface AdmittedPod {
  images: Map<string, ImageRecord>;
  /** The directories of the claims the pod mounts, by claim name. */
  claims: Record<string, string>;
  portMappings: PortMapping[];
}

/** The machine's capacity in the units of requests. */
export interface MachineCapacity {
  cpuMillis: number;
  memoryBytes: number;
}

export function machineCapacity(): MachineCapacity {
  return { cpuMillis: cpus().length * 1000, memoryBytes: totalmem() };
}

function allContainers(pod: Pod): Container[] {
  return [...pod.spec.initContainers, ...pod.spec.containers];
}

/** hostPort publications of a pod (with hostNetwork the ports are the host's own). */
export function podPortMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of allContainers(pod)) {
    for (const p of c.ports) {
      const hostPort = pod.spec.hostNetwork ? p.containerPort : (p.hostPort ?? 0);
      if (hostPort === 0) continue;
      out.push({
        hostPort,
        containerPort: p.containerPort,
        protocol: p.protocol.toLowerCase() as PortMapping['protocol'],
        hostIP: p.hostIP,
      });
    }
  }
  return out;
}

function request(c: Container, resource: 'cpu' | 'memory'): number {
  const q = c.resources.requests[resource];
  if (q === undefined) return 0;
  return resource === 'cpu' ? cpuMillis(q) : memoryBytes(q);
}

/**
 * A pod's effective request, as the scheduler computes it with native sidecars: the larger of
 * (a) every main container plus every sidecar and (b) for each regular init container, its
 * own request plus the sidecars started before it.
 */
export function podRequest(pod: Pod, resource: 'cpu' | 'memory'): number {
  let sidecars = 0;
  let initPeak = 0;
  for (const c of pod.spec.initContainers) {
    if (c.restartPolicy === 'Always') sidecars += request(c, resource);
    else initPeak = Math.max(initPeak, sidecars + request(c, resource));
  }
  const main = pod.spec.containers.reduce((sum, c) => sum + request(c, resource), 0);
  return Math.max(initPeak, main + sidecars);
}

function toKeyed(objects: PodObjects): VolumeObjects {
  const configMaps = new Map<string, KeyedData>();
  for (const [name, cm] of objects.configMaps) {
    const data = new Map<string, Buffer>(
      Object.entries(cm.data).map(([k, v]) => [k, Buffer.from(v)]),
    );
    for (const [k, v] of Object.entries(cm.binaryData)) data.set(k, v);
    configMaps.set(name, data);
  }
  const secrets = new Map<string, KeyedData>();
  for (const [name, s] of objects.secrets) secrets.set(name, new Map(Object.entries(s.data)));
  return { configMaps, secrets };
}

/** The configMaps and secrets in the volume manager's shape. */
export { toKeyed as volumeObjects };

function formatBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)}Gi` : `${Math.round(n / (1 << 20))}Mi`;
}

/**
 * Admission — the pod is atomic: before anything is created, every image, volume source,
 * configMap/secret key, hostPort and the resource fit are checked; any failure throws one
 * AdmissionError listing every problem. Callers hold the state root's global lock from here
 * until the pod's record (with its ports and requests) is written.
 */
export async function admitPod(
  layout: StateLayout,
  pod: Pod,
  objects: PodObjects,
  options: { capacity?: MachineCapacity | undefined; pull?: PodPullOptions | undefined } = {},
): Promise<AdmittedPod> {
  const problems: string[] = [];
  const others = await listPodRecords(layout);
  const live = [];
  for (const r of others) {
    if (r.name === pod.metadata.name && r.namespace === pod.metadata.namespace) {
      problems.push(
        `a pod named "${pod.metadata.name}" already exists in namespace "${pod.metadata.namespace}" (phase ${r.status.phase}): run \`podkit down ${pod.metadata.name}\` first`,
      );
    }
    // A pod not yet released holds its requests, running or crashed (until gc).
    if (!r.released) live.push(r);
  }
  // Images by imagePullPolicy, pulled now when needed: a pod whose image cannot be had is
  // refused before anything of it exists.
  const resolved = await resolvePodImages(layout.root, allContainers(pod), options.pull);
  const images = resolved.images;
  problems.push(...resolved.problems);
  problems.push(...(await checkVolumes(pod.spec.volumes, toKeyed(objects))));
  const claims = await bindPodClaims(layout, pod, others);
  problems.push(...claims.problems);
  for (const c of allContainers(pod))
    problems.push(...resolveContainerEnv(c, objects, undefined).problems);
  const portMappings = podPortMappings(pod);
  // Ports of every pod not yet released, running or not: a crashed pod's rules may remain
  // until gc, and a pod admitted a moment ago may not have its sandbox yet.
  const published = others
    .filter((r) => !r.released)
    .flatMap((r) =>
      podPortMappings(r.pod).map((mapping) => ({ mapping, owner: `pod ${r.namespace}/${r.name}` })),
    );
  // A Service's NodePort is a host port too (the proxy's rules DNAT it, as portmap does a
  // hostPort: the two would race for the same packets).
  for (const r of await listServiceRecords(layout)) {
    const { namespace, name } = r.service.metadata;
    for (const p of r.service.spec.ports) {
      if (p.nodePort === undefined) continue;
      published.push({
        mapping: {
          hostPort: p.nodePort,
          containerPort: p.port,
          protocol: p.protocol.toLowerCase() as PortMapping['protocol'],
          hostIP: undefined,
        },
        owner: `Service ${namespace}/${name} (its NodePort)`,
      });
    }
  }
  for (const conflict of await findHostPortConflicts(portMappings, published))
    problems.push(conflict.reason);
  const capacity = options.capacity ?? machineCapacity();
  for (const resource of ['cpu', 'memory'] as const) {
    const want = podRequest(pod, resource);
    if (want === 0) continue;
    const used = live.reduce((sum, r) => sum + podRequest(r.pod, resource), 0);
    const total = resource === 'cpu' ? capacity.cpuMillis : capacity.memoryBytes;
    if (used + want > total) {
      const show = resource === 'cpu' ? (n: number) => `${n}m` : formatBytes;
      problems.push(
        `insufficient ${resource}: the pod requests ${show(want)}, the machine has ${show(total)} of which running pods request ${show(used)}`,
      );
    }
  }
  if (problems.length > 0) throw new AdmissionError(pod, problems);
  return { images, portMappings, claims: claims.paths };
}
