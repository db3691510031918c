import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { runCommand } from '../host/run-command.js';
import type { PodNetworkConfig } from '../network/index.js';
import { ensureStateLayout, stateLayout, type StateLayout } from '../state/index.js';
import { collectGarbage } from './gc.js';
import { reserveTestSubnet } from '../testing/test-subnet.js';

/**
 * A per-test state root and pod network: its own bridge, a reserved /24 inside 10.89.0.0/16 and
 * its own network name, so parallel tests never share IPs, rules or leases. Everything is
 * removed in t.after, even when the test failed (gc with nothing wanted destroys every sandbox
 * of the root, so tests need no cleanup hooks of their own, which node:test would run after
 * this one and which could recreate files in the removed root).
 */
export async function testEnv(
  t: TestContext,
): Promise<{ layout: StateLayout; network: PodNetworkConfig }> {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-sbx-'));
  const layout = stateLayout(root);
  await ensureStateLayout(layout);
  const hex = randomBytes(3).toString('hex');
  const network: PodNetworkConfig = {
    name: `pkt-${hex}`,
    bridge: `pkt${hex}`,
    subnet: await reserveTestSubnet(t),
    dataDir: layout.cniDataDir,
    pluginDir: '/usr/lib/cni',
  };
  t.after(async () => {
    await collectGarbage(layout, {
      network,
      isWanted: () => Promise.resolve(false),
    }).catch(() => undefined);
    await runCommand(['ip', 'link', 'del', network.bridge], { allowFailure: true });
    await rm(root, { recursive: true, force: true });
  });
  return { layout, network };
}
