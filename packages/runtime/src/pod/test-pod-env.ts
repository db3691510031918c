import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { runCommand } from '../host/run-command.js';
import { addImage } from '../images/image-store.js';
import { parseManifests } from '../spec/manifests.js';
import { assertValid } from '../spec/manifests.js';
import { ensureStateLayout, stateLayout, type StateLayout } from '../state/state-root.js';
import { BUSYBOX_PATH_ENV, makeBusyboxRootfs } from '../testing/busybox-rootfs.js';
import { downPod, gcPods, upPod } from './pod-manager.js';
import { listPodRecords, type PodRecord } from './pod-store.js';

/**
 * A per-test state root with its own pod network (bridge + random /24 in network.json) and a
 * `busybox:test` rootfs image. Everything — pods, bridge, files — is removed in t.after.
 */
export async function podTestEnv(t: TestContext): Promise<{
  layout: StateLayout;
  up: (
    yaml: string,
    options?: { backoff?: { baseMs: number; capMs: number } },
  ) => Promise<PodRecord>;
}> {
  const root = await mkdtemp(path.join(tmpdir(), 'podkit-pod-'));
  const layout = stateLayout(root);
  await ensureStateLayout(layout);
  const hex = randomBytes(3).toString('hex');
  const bridge = `pkp${hex}`;
  await writeFile(
    path.join(root, 'network.json'),
    JSON.stringify({ name: `pkp-${hex}`, bridge, subnet: `10.89.${randomInt(2, 99)}.0/24` }),
  );
  const rootfs = await makeBusyboxRootfs(path.join(root, 'busybox-rootfs'));
  await addImage(root, {
    name: 'busybox:test',
    source: { kind: 'rootfs', rootfs },
    config: { env: [BUSYBOX_PATH_ENV], cmd: ['sh'] },
  });
  t.after(async () => {
    for (const r of await listPodRecords(layout)) {
      await downPod(layout, r.name, {
        namespace: r.namespace,
        force: true,
        timeoutMs: 10_000,
      }).catch(() => undefined);
    }
    await gcPods(layout).catch(() => undefined);
    await runCommand(['ip', 'link', 'del', bridge], { allowFailure: true });
    await rm(root, { recursive: true, force: true });
  });
  const up = async (
    yaml: string,
    options: { backoff?: { baseMs: number; capMs: number } } = {},
  ): Promise<PodRecord> => {
    const set = parseManifests(yaml, 'test.yaml');
    assertValid(set);
    const pod = set.pods[0];
    if (pod === undefined) throw new Error('no pod in the test manifest');
    return upPod({
      layout,
      pod,
      configMaps: set.configMaps,
      secrets: set.secrets,
      backoff: options.backoff,
    });
  };
  return { layout, up };
}
