import { readFile, readdir } from 'node:fs/promises';
import { runCommand } from '../host/run-command.js';
import { listLeases, listNetns, type PodNetworkConfig } from '../network/index.js';
import { Runc } from '../runc/index.js';
import type { StateLayout } from '../state/index.js';
import { cgroupPids, childCgroups } from './cgroups.js';
import { netnsNameFor, rootTag } from './sandbox.js';
import { mountsUnder } from '../host/mounts.js';

/**
 * The host resources podkit creates for the pods of one state root, listed by name, so that
 * tests can assert "after == before" and gc can be checked. Scoped by the state root's tag
 * (netns, cgroups), the network's name (iptables comments, leases) and bridge (veths).
 */
export interface HostResourceSnapshot {
  readonly netns: string[];
  readonly veths: string[];
  readonly leases: string[];
  /** nat rules carrying the network's comment. */
  readonly iptablesRules: string[];
  /**
   * Per-container CNI chains (CNI-<hash>, CNI-DN-<hash>) that rules of this network jump to.
   * Scoped so that other networks' pods (parallel tests, podman) do not show up here.
   */
  readonly cniChains: string[];
  readonly mounts: string[];
  readonly runcContainers: string[];
  readonly cgroups: string[];
  /** Processes in our cgroups or whose command line mentions the state root. */
  readonly processes: number[];
}

/** Takes a HostResourceSnapshot (see there). */
export async function snapshotHostResources(
  layout: StateLayout,
  network: Pick<PodNetworkConfig, 'name' | 'bridge' | 'dataDir'>,
): Promise<HostResourceSnapshot> {
  const tag = rootTag(layout);
  const natLines = (await runCommand(['iptables-save', '-t', 'nat'])).stdout.split('\n');
  const comment = `name: \\"${network.name}\\"`;
  const ours = natLines.filter((l) => l.startsWith('-A ') && l.includes(comment));
  const chains = new Set<string>();
  for (const rule of ours) {
    const target = / -j (CNI-(?:DN-)?[0-9a-f]{16,})\b/.exec(rule)?.[1];
    if (target !== undefined) chains.add(target);
  }
  const runc = new Runc({ root: layout.runcRoot });
  const cgroups = await childCgroups('/podkit', tag);
  const pids = new Set<number>();
  for (const cg of cgroups) for (const p of await cgroupPids(cg)) pids.add(p);
  for (const p of await pidsMentioning(layout.root)) pids.add(p);
  return {
    netns: await listNetns(netnsNameFor(tag)),
    veths: await vethsOn(network.bridge),
    leases: (await listLeases(network)).map((l) => `${l.ip} ${l.containerId}`),
    iptablesRules: ours.sort(),
    // A chain only counts while it exists (a dangling jump would show in iptablesRules).
    cniChains: natLines
      .filter((l) => /^:CNI-(DN-)?[0-9a-f]{16,} /.test(l))
      .map((l) => l.split(' ')[0]?.slice(1) ?? '')
      .filter((c) => chains.has(c))
      .sort(),
    mounts: (await mountsUnder(layout.root)).sort(),
    runcContainers: (await runc.list().catch(() => [])).map((c) => c.id).sort(),
    cgroups,
    processes: [...pids].sort((a, b) => a - b),
  };
}

/** Interfaces enslaved to `bridge` (empty when it does not exist). */
export async function vethsOn(bridge: string): Promise<string[]> {
  const r = await runCommand(['ip', '-o', 'link', 'show', 'master', bridge], {
    allowFailure: true,
  });
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => /^\d+: ([^@:]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

async function pidsMentioning(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle)) out.push(Number(name));
  }
  return out;
}
