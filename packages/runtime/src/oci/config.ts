import { PodkitError } from '@podkit/kit';
import { resolveCapabilities } from './capabilities.js';
import { clampRlimits, type HostLimits, type Rlimit } from './rlimits.js';
import type { OciSeccomp } from './seccomp.js';
import type { ProcessUser } from './user.js';
import { RuntimeErrorCode } from '../errors.js';

/** `new` = a fresh namespace, `host` = runc's own (the host's), `{ path }` = join that one. */
export type NamespaceSource = 'new' | 'host' | { path: string };

/** A bind mount of a volume (or any host path) into the container. */
export interface BindMountPlan {
  destination: string;
  source: string;
  readOnly?: boolean | undefined;
  /** Kubernetes mountPropagation: None → private, HostToContainer → rslave, Bidirectional → rshared. */
  propagation?: 'private' | 'rslave' | 'rshared' | undefined;
}

/** A tmpfs in the container, e.g. a host image's /tmp or a hidden directory. */
export interface TmpfsPlan {
  destination: string;
  /** Octal string, e.g. `1777`. Default `755`. */
  mode?: string | undefined;
  sizeBytes?: number | undefined;
}

/** Files of the pod sandbox that every container binds in. */
export interface SandboxFiles {
  hostsPath?: string | undefined;
  hostnamePath?: string | undefined;
  resolvConfPath?: string | undefined;
  shmPath?: string | undefined;
}

export interface ResourcePlan {
  /** resources.requests.cpu in millicores (→ cpu shares; falls back to the limit when 0). */
  cpuRequestMilli?: number | undefined;
  /** resources.limits.cpu in millicores (→ CFS quota). */
  cpuLimitMilli?: number | undefined;
  /** resources.limits.memory in bytes. */
  memoryLimitBytes?: number | undefined;
  pidsLimit?: number | undefined;
}

/**
 * Everything needed to run one container, already resolved: the argv, env and user come from
 * the pod spec merged with the image config (see command.ts, expand-env.ts, user.ts), paths
 * point at prepared files. `buildOciConfig` turns it into config.json with no I/O.
 */
export interface ContainerPlan {
  /** Absolute path of the prepared root filesystem (bundle-relative paths also work). */
  rootfs: string;
  readOnlyRootFilesystem?: boolean | undefined;
  args: readonly string[];
  /** `K=V` strings. */
  env: readonly string[];
  /** Default `/`. */
  cwd?: string | undefined;
  user: ProcessUser;
  hostname?: string | undefined;
  privileged?: boolean | undefined;
  capabilities?:
    { add?: readonly string[] | undefined; drop?: readonly string[] | undefined } | undefined;
  /** allowPrivilegeEscalation: false → true. */
  noNewPrivileges?: boolean | undefined;
  oomScoreAdj?: number | undefined;
  rlimits?: readonly Rlimit[] | undefined;
  namespaces?: {
    network?: NamespaceSource | undefined;
    ipc?: NamespaceSource | undefined;
    uts?: NamespaceSource | undefined;
    /** Join the sandbox's only with shareProcessNamespace. */
    pid?: NamespaceSource | undefined;
  };
  sandbox?: SandboxFiles | undefined;
  mounts?: readonly BindMountPlan[] | undefined;
  tmpfs?: readonly TmpfsPlan[] | undefined;
  /** Extra paths masked even for privileged containers (a host image's hidden files). */
  maskedPaths?: readonly string[] | undefined;
  cgroupsPath?: string | undefined;
  resources?: ResourcePlan | undefined;
  seccomp?: OciSeccomp | undefined;
  sysctls?: Readonly<Record<string, string>> | undefined;
  annotations?: Readonly<Record<string, string>> | undefined;
}

/** Facts about the host the config must respect. */
export interface HostFacts {
  /** The caller's hard rlimits (rlimits above them make runc fail). */
  hostLimits?: HostLimits | undefined;
  /** The caller's bounding set (privileged can't grant more). */
  availableCapabilities?: readonly string[] | undefined;
}

/** containerd's defaults (CRI, non-privileged). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
  '/proc/scsi',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

export const CFS_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const MIN_QUOTA_US = 1_000;

/** kubelet's milliCPUToShares: 1 CPU = 1024 shares, at least 2. */
export function milliCpuToShares(milli: number): number {
  if (milli <= 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000)));
}

/** kubelet's milliCPUToQuota for a period in µs; undefined = no limit. */
export function milliCpuToQuota(
  milli: number,
  periodUs: number = CFS_PERIOD_US,
): number | undefined {
  if (milli <= 0) return undefined;
  return Math.max(MIN_QUOTA_US, Math.floor((milli * periodUs) / 1000));
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** The subset of the OCI runtime-spec config.json podkit writes. */
export interface OciConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    rlimits: Rlimit[];
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
    cgroupsPath?: string;
    resources: {
      devices: { allow: boolean; access: string }[];
      cpu?: { shares: number; quota?: number; period?: number };
      memory?: { limit: number };
      pids?: { limit: number };
    };
    seccomp?: OciSeccomp;
    sysctl?: Record<string, string>;
  };
}

function depth(p: string): number {
  return p.split('/').filter((s) => s !== '').length;
}

function namespaceEntries(plan: ContainerPlan): { type: string; path?: string }[] {
  const ns = plan.namespaces ?? {};
  const out: { type: string; path?: string }[] = [{ type: 'mount' }];
  const add = (type: string, src: NamespaceSource | undefined): void => {
    const s = src ?? 'new';
    if (s === 'host') return;
    out.push(s === 'new' ? { type } : { type, path: s.path });
  };
  add('network', ns.network);
  add('ipc', ns.ipc);
  add('uts', ns.uts);
  add('pid', ns.pid);
  return out;
}

function buildMounts(plan: ContainerPlan): OciMount[] {
  const privileged = plan.privileged === true;
  const sandbox = plan.sandbox ?? {};
  const base: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    sandbox.shmPath === undefined
      ? {
          destination: '/dev/shm',
          type: 'tmpfs',
          source: 'shm',
          options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
        }
      : {
          destination: '/dev/shm',
          type: 'bind',
          source: sandbox.shmPath,
          options: ['rbind', 'rprivate', 'rw'],
        },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
    },
  ];
  const extra: OciMount[] = [];
  // containerd makes the sandbox files read-only along with a read-only root filesystem.
  const etcMode = plan.readOnlyRootFilesystem === true ? 'ro' : 'rw';
  const etc: [string, string | undefined][] = [
    ['/etc/hosts', sandbox.hostsPath],
    ['/etc/hostname', sandbox.hostnamePath],
    ['/etc/resolv.conf', sandbox.resolvConfPath],
  ];
  for (const [destination, source] of etc) {
    if (source !== undefined)
      extra.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', etcMode] });
  }
  for (const t of plan.tmpfs ?? []) {
    const options = ['nosuid', 'nodev', `mode=${t.mode ?? '755'}`];
    if (t.sizeBytes !== undefined) options.push(`size=${t.sizeBytes}`);
    extra.push({ destination: t.destination, type: 'tmpfs', source: 'tmpfs', options });
  }
  for (const m of plan.mounts ?? []) {
    extra.push({
      destination: m.destination,
      type: 'bind',
      source: m.source,
      options: ['rbind', m.propagation ?? 'rprivate', m.readOnly === true ? 'ro' : 'rw'],
    });
  }
  // Parents before children (containerd sorts by path depth), stable otherwise, so a volume
  // at /root/x lands on top of a tmpfs at /root.
  extra.sort((a, b) => depth(a.destination) - depth(b.destination));
  const wanted = new Set(extra.map((m) => m.destination));
  // A user mount on a default destination (e.g. /dev/shm) replaces the default.
  return [...base.filter((m) => !wanted.has(m.destination)), ...extra];
}

function buildResources(plan: ContainerPlan): OciConfig['linux']['resources'] {
  const r = plan.resources ?? {};
  const out: OciConfig['linux']['resources'] = {
    devices: [{ allow: plan.privileged === true, access: 'rwm' }],
  };
  const request = r.cpuRequestMilli ?? 0;
  const limit = r.cpuLimitMilli ?? 0;
  // kubelet: with no request but a limit, shares follow the limit.
  const cpu: NonNullable<OciConfig['linux']['resources']['cpu']> = {
    shares: milliCpuToShares(request === 0 && limit > 0 ? limit : request),
  };
  const quota = milliCpuToQuota(limit);
  if (quota !== undefined) {
    cpu.quota = quota;
    cpu.period = CFS_PERIOD_US;
  }
  out.cpu = cpu;
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0)
    out.memory = { limit: r.memoryLimitBytes };
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  return out;
}

/**
 * Builds an OCI runtime-spec config.json (the object) for runc from a resolved plan: containerd's
 * defaults for capabilities, mounts, masked and read-only paths, Kubernetes' cgroup arithmetic.
 * Pure: host facts come in through `host`.
 *
 * @example
 *   const config = buildOciConfig({ rootfs: '/b/rootfs', args: ['sh'], env: [], user: { uid: 0, gid: 0, additionalGids: [] } });
 */
export function buildOciConfig(plan: ContainerPlan, host: HostFacts = {}): OciConfig {
  if (plan.args.length === 0) {
    throw new PodkitError(
      RuntimeErrorCode.CONTAINER_NO_COMMAND,
      'no command specified for the container',
    );
  }
  const uts = plan.namespaces?.uts ?? 'new';
  if (plan.hostname !== undefined && uts === 'host') {
    throw new PodkitError(
      RuntimeErrorCode.CONTAINER_CONFIG_INVALID,
      'a hostname needs a private UTS namespace',
    );
  }
  const privileged = plan.privileged === true;
  const caps = resolveCapabilities({
    privileged,
    add: plan.capabilities?.add,
    drop: plan.capabilities?.drop,
    available: host.availableCapabilities,
  });
  const config: OciConfig = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: {
        uid: plan.user.uid,
        gid: plan.user.gid,
        additionalGids: [...plan.user.additionalGids],
      },
      args: [...plan.args],
      env: [...plan.env],
      cwd: plan.cwd ?? '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      rlimits: clampRlimits(plan.rlimits ?? [], host.hostLimits ?? {}),
      noNewPrivileges: plan.noNewPrivileges === true,
    },
    root: { path: plan.rootfs, readonly: plan.readOnlyRootFilesystem === true },
    mounts: buildMounts(plan),
    linux: {
      namespaces: namespaceEntries(plan),
      maskedPaths: [...(privileged ? [] : DEFAULT_MASKED_PATHS), ...(plan.maskedPaths ?? [])],
      readonlyPaths: privileged ? [] : [...DEFAULT_READONLY_PATHS],
      resources: buildResources(plan),
    },
  };
  if (plan.oomScoreAdj !== undefined) config.process.oomScoreAdj = plan.oomScoreAdj;
  if (plan.hostname !== undefined) config.hostname = plan.hostname;
  if (plan.cgroupsPath !== undefined) config.linux.cgroupsPath = plan.cgroupsPath;
  if (plan.seccomp !== undefined && !privileged) config.linux.seccomp = plan.seccomp;
  if (plan.sysctls !== undefined && Object.keys(plan.sysctls).length > 0)
    config.linux.sysctl = { ...plan.sysctls };
  if (plan.annotations !== undefined) config.annotations = { ...plan.annotations };
  return config;
}
