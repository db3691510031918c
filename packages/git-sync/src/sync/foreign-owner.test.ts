import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { SyncEngine } from './engine.js';

/** Another uid than this test's (root's) and git-sync image's (65532). */
const OTHER_UID = 12345;

async function chownTree(dir: string, uid: number): Promise<void> {
  await fs.lchown(dir, uid, uid);
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    await fs.lchown(path.join(e.parentPath, e.name), uid, uid);
  }
}

test('a remote and a root owned by another uid still sync (safe.directory=* reaches upload-pack too)', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const signal = (): AbortSignal => AbortSignal.timeout(60_000);

  // A file:// remote owned by someone else, as a root-owned hostPath is for git-sync's
  // non-root user: git runs upload-pack in it with GIT_CONFIG_* cleared, and checks its owner.
  const v1 = await remote.commit({ 'index.html': 'v1\n' });
  await chownTree(remote.bare, OTHER_UID);
  assert.equal((await fs.stat(path.join(remote.bare, 'HEAD'))).uid, OTHER_UID);
  const first = await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(signal());
  assert.deepEqual(first, { sha: v1, changed: true, repaired: false });
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'v1\n');

  // The volume made by an earlier git-sync of another uid (a pod restarted with a new
  // securityContext): the repository and its trees are someone else's; a new one goes on.
  await chownTree(root, OTHER_UID);
  const v2 = await remote.commit({ 'index.html': 'v2\n' });
  await chownTree(remote.bare, OTHER_UID);
  const second = await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(signal());
  assert.deepEqual(second, { sha: v2, changed: true, repaired: false });
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'v2\n');

  // A caller's own safe.directory does not replace the default.
  await chownTree(root, OTHER_UID);
  const v3 = await remote.commit({ 'index.html': 'v3\n' });
  await chownTree(remote.bare, OTHER_UID);
  const third = await new SyncEngine({
    repo: remote.url,
    root,
    ref: 'main',
    gitConfig: { 'safe.directory': '/nowhere' },
  }).sync(signal());
  assert.deepEqual(third, { sha: v3, changed: true, repaired: false });
});
