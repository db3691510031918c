import path from 'node:path';
import { defaultPodNetwork, type PodNetworkConfig } from '../network/index.js';
import { readJsonFile } from '../state/atomic-write.js';
import type { StateLayout } from '../state/state-root.js';

/**
 * The pod network of a state root: podkit's default (bridge podkit0, 10.89.0.0/16), with any
 * fields of `<root>/network.json` over it. Every process of a root (up, the worker, gc) reads
 * the same file, so a root can have its own bridge and subnet (tests use one per root).
 */
export async function loadPodNetwork(layout: StateLayout): Promise<PodNetworkConfig> {
  const override = (await readJsonFile(path.join(layout.root, 'network.json'))) as
    Partial<PodNetworkConfig> | undefined;
  return { ...defaultPodNetwork(layout.cniDataDir), ...override, dataDir: layout.cniDataDir };
}
