import { readContainer, reportDuplicates, type ContainerScope } from './container.js';
import { checkDns1123Label } from './names.js';
import { isObject, oneOfMessage, type Fields } from './reader.js';
import { readPodSecurityContext } from './security-context.js';
import type { Container, PodSpec, RestartPolicy } from './types.js';
import { readVolume } from './volumes.js';
import type { JsonValue } from './yaml-documents.js';

/** What the enclosing object allows for the pod's restartPolicy. */
export interface RestartRule {
  allowed: readonly RestartPolicy[];
  /** Set for a Job template, which has no valid default. */
  requiredBecause?: string;
  /** Why only `allowed` are allowed (added to the message). */
  reason?: string;
}

const POD_RESTART: RestartRule = { allowed: ['Always', 'OnFailure', 'Never'] };

// Fields that only steer the scheduler (or a cluster service): inert on one machine.
const SCHEDULING_FIELDS = [
  'nodeSelector',
  'nodeName',
  'affinity',
  'tolerations',
  'priority',
  'priorityClassName',
  'preemptionPolicy',
  'schedulerName',
  'schedulingGates',
  'topologySpreadConstraints',
  'overhead',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
];

function rawNames(value: JsonValue | undefined): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) =>
    isObject(item) && typeof item.name === 'string' ? [item.name] : [],
  );
}

/**
 * Reads a pod `spec` with the API server's rules and defaults. `claimVolumes`: the names of a
 * StatefulSet's volumeClaimTemplates, volumes its pods get besides the template's.
 */
export function readPodSpec(
  f: Fields,
  restart: RestartRule = POD_RESTART,
  claimVolumes: readonly string[] = [],
): PodSpec | undefined {
  const ctx = f.ctx;
  const errorsBefore = ctx.errorCount;
  for (const key of SCHEDULING_FIELDS) f.ignored(key);
  f.ignored('imagePullSecrets', 'ignored: podkit does not read registry credentials from Secrets');
  f.unsupported('ephemeralContainers');
  f.unsupported('activeDeadlineSeconds');
  f.unsupported('runtimeClassName', 'podkit runs every container with runc');
  f.unsupported('readinessGates', 'nothing on one machine would set them');
  f.unsupported('resourceClaims', 'dynamic resource allocation');
  f.unsupported('resources', 'pod-level resources; set them per container');
  f.unsupported('hostAliases');
  f.unsupported('dnsConfig');
  for (const [key, harmless] of [
    ['hostPID', false],
    ['hostIPC', false],
    ['hostUsers', true],
  ] as const) {
    const value = f.boolean(key);
    if (value !== undefined && value !== harmless) {
      ctx.error(f.at(key), `not supported by podkit (only ${harmless})`, 'unsupported');
    }
  }
  f.object('os', (o) => {
    const name = o.string('name', { required: true });
    if (name !== undefined && name !== 'linux') {
      o.ctx.error(
        o.at('name'),
        `podkit runs Linux pods only, got ${JSON.stringify(name)}`,
        'unsupported',
      );
    }
  });

  const containerNames = new Set([
    ...rawNames(f.value.initContainers),
    ...rawNames(f.value.containers),
  ]);
  const volumeNames = new Set([...rawNames(f.value.volumes), ...claimVolumes]);
  const volumes = f.objectList('volumes', (v) => readVolume(v, containerNames)) ?? [];
  reportDuplicates(f, 'volumes', 'name', (n) => `duplicate volume name ${JSON.stringify(n)}`);

  const hostNetwork = f.boolean('hostNetwork') ?? false;
  const scope = (init: boolean): ContainerScope => ({
    init,
    containerNames,
    volumeNames,
    hostNetwork,
  });
  const initContainers = f.objectList('initContainers', (c) => readContainer(c, scope(true))) ?? [];
  const containers =
    f.objectList('containers', (c) => readContainer(c, scope(false)), {
      required: 'at least one container',
    }) ?? [];
  if (Array.isArray(f.value.containers) && f.value.containers.length === 0) {
    ctx.error(f.at('containers'), 'required (at least one container)', 'required');
  }
  checkUniqueContainerNames(f);

  let restartPolicy = f.string('restartPolicy') as RestartPolicy | undefined;
  if (restartPolicy === undefined || restartPolicy === ('' as RestartPolicy)) {
    if (restart.requiredBecause !== undefined) {
      ctx.error(f.at('restartPolicy'), `required (${restart.requiredBecause})`, 'required');
    }
    restartPolicy = 'Always';
  } else if (!restart.allowed.includes(restartPolicy)) {
    const [only] = restart.allowed;
    const why = restart.reason === undefined ? '' : ` (${restart.reason})`;
    const message =
      restart.allowed.length === 1 && only !== undefined
        ? `must be ${only}, got ${JSON.stringify(restartPolicy)}`
        : oneOfMessage(restart.allowed, restartPolicy);
    ctx.error(f.at('restartPolicy'), `${message}${why}`);
  }
  const grace = f.integer('terminationGracePeriodSeconds', { min: 0 });
  const dnsPolicy = f.enumeration('dnsPolicy', [
    'ClusterFirst',
    'ClusterFirstWithHostNet',
    'Default',
    'None',
  ]);
  if (dnsPolicy === 'None') {
    ctx.error(f.at('dnsPolicy'), 'not supported by podkit (None needs dnsConfig)', 'unsupported');
  }
  const hostname = readLabel(f, 'hostname');
  const subdomain = readLabel(f, 'subdomain');
  const setHostnameAsFQDN = f.boolean('setHostnameAsFQDN') ?? false;
  const shareProcessNamespace = f.boolean('shareProcessNamespace') ?? false;
  const enableServiceLinks = f.boolean('enableServiceLinks') ?? true;
  const securityContext = f.object('securityContext', readPodSecurityContext) ?? {
    supplementalGroups: [],
    sysctls: [],
  };

  checkHostPorts(f, [...initContainers.filter((c) => c.restartPolicy === 'Always'), ...containers]);
  checkNonRoot(f, securityContext.runAsNonRoot, securityContext.runAsUser, [
    ...initContainers,
    ...containers,
  ]);

  if (ctx.errorCount > errorsBefore) return undefined;
  const spec: PodSpec = {
    volumes,
    initContainers,
    containers,
    restartPolicy,
    terminationGracePeriodSeconds: grace ?? 30,
    dnsPolicy: dnsPolicy === undefined || dnsPolicy === 'None' ? 'ClusterFirst' : dnsPolicy,
    setHostnameAsFQDN,
    shareProcessNamespace,
    hostNetwork,
    enableServiceLinks,
    securityContext,
  };
  if (hostname !== undefined) spec.hostname = hostname;
  if (subdomain !== undefined) spec.subdomain = subdomain;
  return spec;
}

function readLabel(f: Fields, key: string): string | undefined {
  const value = f.string(key);
  if (value === undefined || value === '') return undefined;
  const bad = checkDns1123Label(value);
  if (bad !== undefined) {
    f.ctx.error(f.at(key), bad);
    return undefined;
  }
  return value;
}

// Init and main containers share one namespace of names.
function checkUniqueContainerNames(f: Fields): void {
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    const raw = f.value[list];
    if (!Array.isArray(raw)) continue;
    raw.forEach((item, i) => {
      const name = isObject(item) ? item.name : undefined;
      if (typeof name !== 'string' || name === '') return;
      if (seen.has(name)) {
        f.ctx.error(
          `${f.at(list)}[${i}].name`,
          `duplicate container name ${JSON.stringify(name)}`,
          'duplicate',
        );
      }
      seen.add(name);
    });
  }
}

/** The path of the (first) container named `name`, in initContainers or containers. */
function containerPath(f: Fields, name: string): string | undefined {
  for (const list of ['initContainers', 'containers']) {
    const raw = f.value[list];
    const index = Array.isArray(raw) ? raw.findIndex((c) => isObject(c) && c.name === name) : -1;
    if (index >= 0) return `${f.at(list)}[${index}]`;
  }
  return undefined;
}

// Two containers cannot bind the same host port: the second would fail at start.
function checkHostPorts(f: Fields, running: Container[]): void {
  const seen = new Map<string, string>();
  for (const container of running) {
    container.ports.forEach((port, index) => {
      if (port.hostPort === undefined) return;
      const key = `${port.hostIP ?? ''}/${port.hostPort}/${port.protocol}`;
      const owner = seen.get(key);
      if (owner === undefined) {
        seen.set(key, container.name);
        return;
      }
      // Ports are only dropped when invalid, and then the pod has errors anyway.
      const base = containerPath(f, container.name) ?? f.at('containers');
      f.ctx.error(
        `${base}.ports[${index}].hostPort`,
        `${port.hostPort}/${port.protocol} is already used by container ${JSON.stringify(owner)}`,
        'duplicate',
      );
    });
  }
}

// runAsNonRoot with an explicit runAsUser 0 can never start (the kubelet refuses it).
function checkNonRoot(
  f: Fields,
  podNonRoot: boolean | undefined,
  podUser: number | undefined,
  containers: Container[],
): void {
  for (const container of containers) {
    const nonRoot = container.securityContext?.runAsNonRoot ?? podNonRoot;
    const user = container.securityContext?.runAsUser ?? podUser;
    if (nonRoot !== true || user !== 0) continue;
    f.ctx.error(
      `${containerPath(f, container.name) ?? f.at('containers')}.securityContext`,
      'runAsNonRoot is true but runAsUser is 0: the kubelet would refuse to start this container',
    );
  }
}
