import { loadPodNetwork } from '../pod/network-config.js';
import { rootTag, snapshotHostResources, type HostResourceSnapshot } from '../sandbox/index.js';
import { stateLayout } from '../state/state-root.js';

/**
 * What the pods of the state root `root` hold on the host (netns, veths, leases, NAT rules,
 * mounts under the root, runc containers, cgroups, processes), for "after == before"
 * assertions in tests that drive podkit through its CLI.
 *
 * @example
 *   const before = await hostResources(root); … ; assert.deepEqual(await hostResources(root), before);
 */
export async function hostResources(root: string): Promise<HostResourceSnapshot> {
  const layout = stateLayout(root);
  return snapshotHostResources(layout, await loadPodNetwork(layout));
}

/** The agent's nftables table of the state root `root` (`podkit-<tag>`, in family ip). */
export function proxyTableName(root: string): string {
  return `podkit-${rootTag(stateLayout(root))}`;
}
