import { readdir, rm, unlink } from 'node:fs/promises';
import {
  defaultPodNetwork,
  deleteNetns,
  listLeases,
  listNetns,
  netnsExists,
  purgeIptablesRules,
  iptablesRulesOf,
  type PodNetworkConfig,
} from '../network/index.js';
import { Runc } from '../runc/index.js';
import { isProcessAlive, type StateLayout } from '../state/index.js';
import { removeCgroup, childCgroups } from './cgroups.js';
import { destroySandbox, listSandboxes, netnsNameFor, rootTag } from './sandbox.js';
import type { Sandbox } from './sandbox-record.js';
import { namespacesPinned } from './pinned-namespaces.js';
import { mountsUnder, unmountAll } from '../host/mounts.js';
import { ExitWatcher } from '../supervisor/exit-watcher.js';
import { exitDirOf } from '../supervisor/run-container.js';

/** Something gc would remove. */
export type Leftover =
  | { kind: 'sandbox'; sandbox: Sandbox; reason: string }
  | { kind: 'runc'; id: string }
  | { kind: 'netns'; name: string }
  | { kind: 'lease'; file: string; containerId: string }
  | { kind: 'iptables'; containerId: string }
  | { kind: 'mount'; path: string }
  | { kind: 'cgroup'; path: string }
  | { kind: 'exit file'; id: string };

export interface GcOptions {
  /** The pod network whose leases and rules to scan (default: podkit's). */
  network?: Pick<PodNetworkConfig, 'name' | 'dataDir'> | undefined;
  /**
   * Whether a sandbox is still wanted. Default: its phase is ready, what holds its namespaces
   * is there (the pause process alive; or the ipc/uts pins mounted and the netns present), and
   * its owner (if recorded) is alive. The pod layer passes its own rule (pod deleted…).
   */
  isWanted?: ((sb: Sandbox) => Promise<boolean>) | undefined;
  signal?: AbortSignal | undefined;
}

async function whyUnwanted(sb: Sandbox): Promise<string | undefined> {
  if (sb.phase !== 'ready') return `its sandbox is ${sb.phase}`;
  const held = await whyNamespacesLost(sb);
  if (held !== undefined) return held;
  if (sb.owner !== undefined && !(await isProcessAlive(sb.owner))) {
    return `its owner process ${sb.owner.pid} is dead`;
  }
  return undefined;
}

/** Why the sandbox's namespaces are no longer held, or undefined while they are. */
async function whyNamespacesLost(sb: Sandbox): Promise<string | undefined> {
  if (sb.infra === 'pause') {
    if (sb.pausePid === undefined || sb.pauseStartTime === undefined) return 'no pause process';
    if (!(await isProcessAlive({ pid: sb.pausePid, startTime: sb.pauseStartTime }))) {
      return `its pause process ${sb.pausePid} is dead`;
    }
    return undefined;
  }
  const { ipc, uts } = sb.namespaces;
  if (ipc === undefined || uts === undefined || !(await namespacesPinned({ ipc, uts }))) {
    return 'its ipc/uts namespaces are no longer pinned';
  }
  if (sb.netnsName !== undefined && !(await netnsExists(sb.netnsName))) {
    return `its network namespace ${sb.netnsName} is gone`;
  }
  return undefined;
}

/**
 * What a crashed or killed run left behind under this state root: sandboxes no longer wanted,
 * and resources that no record accounts for (runc containers of our root, podkit netns of our
 * root's tag, CNI leases and iptables rules of our network, mounts under the root, cgroups).
 * Read-only.
 */
export async function listLeftovers(
  layout: StateLayout,
  options: GcOptions = {},
): Promise<Leftover[]> {
  const network = options.network ?? defaultPodNetwork(layout.cniDataDir);
  const sandboxes = await listSandboxes(layout);
  const out: Leftover[] = [];
  for (const sb of sandboxes) {
    const reason = options.isWanted
      ? (await options.isWanted(sb))
        ? undefined
        : 'the pod is gone'
      : await whyUnwanted(sb);
    if (reason !== undefined) out.push({ kind: 'sandbox', sandbox: sb, reason });
  }
  // Everything a record (wanted or not) accounts for is handled through that record.
  const ids = new Set(sandboxes.map((s) => s.id));
  const owned = (name: string): boolean => [...ids].some((id) => name.includes(id));

  const runc = new Runc({ root: layout.runcRoot });
  for (const c of await runc.list(options.signal).catch(() => [])) {
    if (!owned(c.id)) out.push({ kind: 'runc', id: c.id });
  }
  const tag = rootTag(layout);
  for (const name of await listNetns(netnsNameFor(tag))) {
    if (!owned(name)) out.push({ kind: 'netns', name });
  }
  for (const lease of await listLeases(network)) {
    if (!ids.has(lease.containerId)) {
      out.push({ kind: 'lease', file: lease.file, containerId: lease.containerId });
    }
  }
  const ruleIds = new Set<string>();
  for (const rule of await iptablesRulesOf(network.name, undefined, options.signal)) {
    const m = /id: \\"([^\\]+)\\"/.exec(rule);
    if (m?.[1] !== undefined && m[1].startsWith(tag) && !ids.has(m[1])) ruleIds.add(m[1]);
  }
  for (const containerId of ruleIds) out.push({ kind: 'iptables', containerId });
  for (const p of await mountsUnder(layout.podsDir)) {
    if (!owned(p) && !sandboxes.some((s) => p.startsWith(`${s.podDir}/`))) {
      out.push({ kind: 'mount', path: p });
    }
  }
  for (const cg of await childCgroups('/podkit', tag)) {
    if (!owned(cg)) out.push({ kind: 'cgroup', path: cg });
  }
  return out;
}

/**
 * Removes what listLeftovers finds: unwanted sandboxes through destroySandbox (the same
 * idempotent path as `podkit down`), then unaccounted resources one by one. Returns what it
 * removed; errors of single items are collected, not fatal.
 */
export async function collectGarbage(
  layout: StateLayout,
  options: GcOptions = {},
): Promise<{ removed: Leftover[]; errors: Error[] }> {
  const network = options.network ?? defaultPodNetwork(layout.cniDataDir);
  const removed: Leftover[] = [];
  const errors: Error[] = [];
  const runc = new Runc({ root: layout.runcRoot });
  for (const item of await listLeftovers(layout, options)) {
    try {
      switch (item.kind) {
        case 'sandbox':
          // App containers of the pod live in the same runc root with ids prefixed by the
          // sandbox id: remove them before the sandbox they joined.
          for (const c of await runc.list(options.signal).catch(() => [])) {
            if (c.id.startsWith(item.sandbox.id) && c.id !== item.sandbox.pauseId) {
              await runc.delete(c.id, { force: true, signal: options.signal });
            }
          }
          await destroySandbox(item.sandbox, { signal: options.signal });
          // Volumes may be mounted under the pod dir (a hostPath bind!): unmount first, and
          // delete only when nothing is mounted there any more, never through a mount.
          await unmountAll(item.sandbox.podDir, options.signal);
          if ((await mountsUnder(item.sandbox.podDir)).length === 0) {
            await rm(item.sandbox.podDir, { recursive: true, force: true });
          }
          break;
        case 'runc':
          await runc.delete(item.id, { force: true, signal: options.signal });
          break;
        case 'netns':
          await deleteNetns(item.name, options.signal);
          break;
        case 'lease':
          await unlink(item.file).catch(() => undefined);
          break;
        case 'iptables':
          await purgeIptablesRules(network.name, item.containerId, options.signal);
          break;
        case 'mount':
          await unmountAll(item.path, options.signal);
          break;
        case 'cgroup':
          await removeCgroup(item.path);
          break;
      }
      removed.push(item);
    } catch (err) {
      errors.push(err as Error);
    }
  }
  // Exit files conmon wrote for containers runc no longer knows (the others are a live
  // container's, or one whose exit its pod has yet to apply).
  const known = new Set((await runc.list(options.signal).catch(() => [])).map((c) => c.id));
  const exits = ExitWatcher.for(exitDirOf(runc));
  for (const id of await readdir(exits.dir).catch(() => [] as string[])) {
    if (known.has(id)) continue;
    await rm(exits.fileOf(id), { force: true });
    removed.push({ kind: 'exit file', id });
  }
  return { removed, errors };
}
