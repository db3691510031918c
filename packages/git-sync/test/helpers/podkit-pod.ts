import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { reserveTestSubnet } from '@podkit/runtime/testing';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), '../../../../..');
const CLI = path.join(REPO_ROOT, 'packages/cli/src/main.ts');
const GIT_SYNC_BIN = path.join(REPO_ROOT, 'packages/git-sync/dist/main.js');

/** podkit on a temporary state root where git-sync's built bin is a host image. */
export interface GitSyncPodkit {
  /** `podkit --root STATE ARGS…` as a child process (the CLI from its sources); rejects on failure. */
  podkit: (...args: string[]) => Promise<{ stdout: string }>;
  /** Writes `manifest` into the state root and runs `podkit up -d -f` on it. */
  up: (manifest: string) => Promise<void>;
}

/**
 * A podkit state root with `image` mapped to `node packages/git-sync/dist/main.js` (a host
 * image, as examples/push-to-deploy's README does). t.after takes the manifest's pods down
 * and removes the state root, even on failure; register what the pods use (a remote on a
 * hostPath) after this call, so that it is removed after them.
 */
export async function gitSyncPodkit(t: TestContext, image: string): Promise<GitSyncPodkit> {
  await fs.access(GIT_SYNC_BIN).catch(() => {
    assert.fail(`${GIT_SYNC_BIN} is missing: run npm run build (scripts/setup.sh does)`);
  });
  const state = await fs.mkdtemp(path.join(os.tmpdir(), 'podkit-gs-state-'));
  const manifestFile = path.join(state, 'pod.yaml');
  const podkit = (...args: string[]): Promise<{ stdout: string }> =>
    run(
      process.execPath,
      ['--conditions=podkit-source', '--import', 'tsx', CLI, '--root', state, ...args],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
  // Its own bridge and /24: the pods' cluster DNS answers on the bridge's gateway, which
  // another state root on podkit's default network would hold.
  const bridge = `pkg${randomBytes(3).toString('hex')}`;
  t.after(async () => {
    await podkit('down', '--force', '-f', manifestFile).catch(() => undefined);
    // The state root's agent (started by `up`) goes with the root.
    await podkit('agent', 'stop').catch(() => undefined);
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    await fs.rm(state, { recursive: true, force: true });
  });
  const subnet = await reserveTestSubnet(t);
  await fs.writeFile(
    path.join(state, 'network.json'),
    JSON.stringify({ name: bridge, bridge, subnet }),
  );
  await podkit(
    'image',
    'add',
    image,
    '--host',
    '--entrypoint',
    JSON.stringify(['node', GIT_SYNC_BIN]),
    // The checkout may lie under a path host images hide (CI clones into any folder).
    '--keep',
    REPO_ROOT,
  );
  return {
    podkit,
    up: async (manifest) => {
      await fs.writeFile(manifestFile, manifest);
      await podkit('up', '-d', '-f', manifestFile);
    },
  };
}
