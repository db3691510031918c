import type { CniResult, PodNetworkConfig, PortMapping } from '../network/index.js';

/**
 * A pod sandbox: what holds the pod's shared namespaces and per-pod files. Stored (atomically)
 * as `<state root>/pods/<uid>/sandbox.json`, so that any later process (podkit down, gc after
 * a crash) can find and remove every piece.
 *
 * App containers join it: network = `netnsPath` (none with hostNetwork: they stay in the host
 * network), ipc/uts (and pid with shareProcessNamespace) = the `namespaces` paths; /etc/hosts,
 * /etc/hostname, /etc/resolv.conf and /dev/shm are bind-mounted from the paths here.
 *
 * What holds ipc/uts is `infra`: by default no process at all (`pinned`, as CRI-O's
 * drop_infra_ctr): the namespaces are bind-mounted on `<podDir>/sandbox/ns/{ipc,uts}`. With
 * shareProcessNamespace a pause container (catatonit under its conmon) holds them, since the
 * shared pid namespace needs a PID 1 that lives as long as the pod; its `namespaces` are then
 * `/proc/<pausePid>/ns/*`. Version 1 records (older agents) always had a pause: loadSandbox
 * reads them as `infra: 'pause'`.
 */
export interface Sandbox {
  readonly version: 2;
  /** Short id derived from the state root and the pod uid; names the netns, runc ids, cgroups. */
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly fqdn: string | undefined;
  readonly stateRoot: string;
  readonly podDir: string;
  /** `creating` until everything is up; `destroying` once removal began. */
  readonly phase: 'creating' | 'ready' | 'destroying';
  readonly hostNetwork: boolean;
  readonly shareProcessNamespace: boolean;
  readonly netnsName: string | undefined;
  readonly netnsPath: string | undefined;
  /** The pod IP (the host's address with hostNetwork). */
  readonly ip: string | undefined;
  readonly portMappings: readonly PortMapping[];
  readonly network: SandboxNetwork | undefined;
  /** `pinned`: ipc/uts held by bind mounts, no process; `pause`: held by the pause container. */
  readonly infra: SandboxInfra;
  /** The pause container's runc id (`<id>-pause`); undefined when `infra` is `pinned`. */
  readonly pauseId: string | undefined;
  readonly pausePid: number | undefined;
  /** /proc/<pid>/stat start time of the pause, so a reused pid is not mistaken for it. */
  readonly pauseStartTime: string | undefined;
  /** The pod's cgroup parent (relative to each hierarchy root); containers nest under it. */
  readonly cgroupParent: string;
  readonly namespaces: {
    /** undefined with hostNetwork (containers keep the host network). */
    readonly net: string | undefined;
    readonly ipc: string | undefined;
    readonly uts: string | undefined;
    /** Only with shareProcessNamespace. */
    readonly pid: string | undefined;
  };
  readonly etcHostsPath: string;
  readonly etcHostnamePath: string;
  readonly resolvConfPath: string;
  readonly shmPath: string;
  /** The process that owns this pod (e.g. a foreground `podkit up`); gc reaps it when it died. */
  readonly owner: { pid: number; startTime: string } | undefined;
  readonly createdAt: string;
}

export type SandboxInfra = 'pause' | 'pinned';

/**
 * The record as this version reads it, from any version written: a version 1 record (written
 * by an agent before pinned namespaces) is a pause sandbox. Undefined when `value` is not a
 * sandbox record at all.
 */
export function sandboxFromRecord(value: unknown): Sandbox | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const version = (value as { version?: unknown }).version;
  if (version === 2) return value as Sandbox;
  if (version === 1)
    return { ...(value as Omit<Sandbox, 'version' | 'infra'>), version: 2, infra: 'pause' };
  return undefined;
}

/** The CNI attachment, kept so that DEL gets the same configuration and prevResult as ADD. */
export interface SandboxNetwork {
  readonly config: PodNetworkConfig;
  readonly containerId: string;
  readonly ifname: string;
  readonly result: CniResult | undefined;
  readonly hostVeth: string | undefined;
}

/**
 * The runc id of a pod's container: the sandbox id and the container name, so every container
 * of a pod (and only those) shares the sandbox's prefix, the pause included (`<id>-pause`) when
 * there is one.
 */
export function containerRuncId(sandbox: Pick<Sandbox, 'id'>, container: string): string {
  return `${sandbox.id}-${container}`;
}
