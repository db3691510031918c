import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { makeRemote } from './helpers/git-remote.js';
import { gitSyncPodkit } from './helpers/podkit-pod.js';
import { until, type UntilOptions } from './helpers/until.js';

const MANIFEST = fileURLToPath(new URL('./fixtures/git-sync-v4-pod.yaml', import.meta.url));
const GIT_SYNC_IMAGE = 'registry.k8s.io/git-sync/git-sync:v4.4.0';
const PODKIT_IMAGE = 'ghcr.io/podkit/git-sync:0.1.0';
/** Pod start-up and `podkit exec` polls: a bound against hanging, not a timing assertion. */
const POLL: UntilOptions = { timeoutMs: 90_000, stepMs: 200 };

function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the manifest no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

test('a pod written for kubernetes/git-sync v4 (GITSYNC_* env) runs under podkit with only the image swapped', async (t) => {
  const { podkit, up } = await gitSyncPodkit(t, PODKIT_IMAGE);
  const remote = await makeRemote();
  t.after(() => remote.cleanup());
  const original = await fs.readFile(MANIFEST, 'utf8');
  // The one change a user makes: the image. (The repository's host path is test plumbing.)
  let manifest = replaceOnce(original, `image: ${GIT_SYNC_IMAGE}`, `image: ${PODKIT_IMAGE}`);
  manifest = replaceOnce(manifest, 'path: /srv/git/site.git', `path: ${remote.bare}`);
  const changed = manifest.split('\n').filter((line, i) => line !== original.split('\n')[i]);
  assert.equal(changed.length, 2, `only two lines differ: ${changed.join(' | ')}`);

  const v1 = await remote.commit({ 'index.html': '<h1>v1</h1>\n' });
  await up(manifest);
  const inPod = async (...argv: string[]): Promise<string> =>
    (await podkit('exec', 'git-sync-v4', '-c', 'git-sync', '--', ...argv)).stdout.trim();

  // git-sync's readiness probe (GET / on --http-bind) passes once the first sync is done.
  await until(
    async () => {
      const pod = JSON.parse((await podkit('get', 'pod', 'git-sync-v4', '-o', 'json')).stdout) as {
        status?: { containerStatuses?: { name: string; ready: boolean }[] };
      };
      return pod.status?.containerStatuses?.find((c) => c.name === 'git-sync')?.ready === true
        ? true
        : undefined;
    },
    'the git-sync container to be ready (readinessProbe GET / :8080)',
    POLL,
  );

  // git-sync's on-disk contract under GITSYNC_ROOT.
  assert.equal(await inPod('readlink', '/tmp/git/current'), `.worktrees/${v1}`);
  assert.equal(await inPod('cat', '/tmp/git/current/index.html'), '<h1>v1</h1>');
  const names = (await inPod('ls', '-A', '/tmp/git')).split('\n');
  for (const name of ['.git', '.worktrees', 'current', 'synced']) {
    assert.ok(names.includes(name), `/tmp/git holds ${name} (has: ${names.join(' ')})`);
  }
  assert.ok(!names.includes('error.log'), 'no error file after a successful sync');
  assert.equal(await inPod('ls', '-A', '/tmp/git/current'), '.git\nindex.html');
  assert.match(await inPod('cat', '/tmp/git/current/.git'), /^gitdir: \/tmp\/git\/\.git\//);

  // GITSYNC_PERIOD: a push is picked up by polling.
  const v2 = await remote.commit({ 'index.html': '<h1>v2</h1>\n' });
  await until(
    async () =>
      (await inPod('readlink', '/tmp/git/current')) === `.worktrees/${v2}` ? true : undefined,
    'v2 published by the 1 s period',
    POLL,
  );
  assert.equal(await inPod('cat', '/tmp/git/current/index.html'), '<h1>v2</h1>');
});
