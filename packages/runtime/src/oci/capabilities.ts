import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';

/**
 * Every capability runc 1.1 knows, indexed by its bit number (capability.h). Privileged
 * containers get all of these that the host's bounding set still holds.
 */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** containerd's default set (the one Kubernetes pods get on containerd), in its order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** `NET_ADMIN`, `net_admin` and `CAP_NET_ADMIN` all name the same capability. */
export function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(full)) {
    throw new PodkitError(
      RuntimeErrorCode.CONTAINER_CAPABILITY_UNKNOWN,
      `unknown capability "${name}"`,
      {
        hint: 'use a Linux capability name such as NET_ADMIN or SYS_TIME (see capabilities(7))',
      },
    );
  }
  return full;
}

export interface CapabilityOptions {
  privileged?: boolean | undefined;
  add?: readonly string[] | undefined;
  drop?: readonly string[] | undefined;
  /**
   * Capabilities the caller can actually grant (the host's bounding set). A capability outside
   * it would make runc fail with EPERM, so "all" means all of these. Defaults to every known one.
   */
  available?: readonly string[] | undefined;
}

/**
 * The container's capability set, computed like containerd's CRI plugin: privileged → every
 * available capability; otherwise the default 14, then `add: [ALL]`, `drop: [ALL]`, then the
 * individual adds and drops (so `drop: [ALL], add: [NET_BIND_SERVICE]` keeps just that one).
 *
 * @example
 *   resolveCapabilities({ add: ['NET_ADMIN'], drop: ['MKNOD'] });
 */
export function resolveCapabilities(options: CapabilityOptions = {}): string[] {
  const available = options.available ?? ALL_CAPABILITIES;
  if (options.privileged === true) return ALL_CAPABILITIES.filter((c) => available.includes(c));
  const isAll = (c: string): boolean => c.trim().toUpperCase() === 'ALL';
  const add = options.add ?? [];
  const drop = options.drop ?? [];
  let caps = [...DEFAULT_CAPABILITIES];
  if (add.some(isAll)) caps = [...ALL_CAPABILITIES];
  if (drop.some(isAll)) caps = [];
  for (const c of add.filter((c) => !isAll(c)).map(normaliseCapability)) {
    if (!caps.includes(c)) caps.push(c);
  }
  const dropped = new Set(drop.filter((c) => !isAll(c)).map(normaliseCapability));
  return caps.filter((c) => !dropped.has(c) && available.includes(c));
}

/** The bit mask of a capability list, as /proc/PID/status prints it (CapEff etc.). */
export function capabilityMask(caps: readonly string[]): bigint {
  let mask = 0n;
  for (const c of caps) {
    const bit = ALL_CAPABILITIES.indexOf(c);
    if (bit < 0) throw new Error(`unknown capability ${c}`);
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

/** The capabilities named by a /proc/PID/status mask such as `000001fffeffffff`. */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask & (1n << BigInt(bit))) !== 0n);
}
