import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isPodkitError } from '@podkit/kit';
import { makeRemote, tempRoot, type TestRemote } from '../../test/helpers/git-remote.js';
import { SyncEngine, type SyncEngineOptions, type SyncEvent, type SyncStep } from './engine.js';

const signal = (): AbortSignal => AbortSignal.timeout(60_000);

async function setup(
  t: TestContext,
  opts: Partial<SyncEngineOptions> = {},
): Promise<{ remote: TestRemote; root: string; engine: SyncEngine; events: SyncEvent[] }> {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const events: SyncEvent[] = [];
  const engine = new SyncEngine({
    repo: remote.url,
    root,
    ref: 'main',
    onEvent: (e) => events.push(e),
    ...opts,
  });
  return { remote, root, engine, events };
}

async function listTrees(root: string): Promise<string[]> {
  return (await fs.readdir(path.join(root, '.worktrees'))).filter((n) => !n.startsWith('.')).sort();
}

test('first sync publishes a relative link named by the SHA, .git outside the tree', async (t) => {
  const { remote, root, engine } = await setup(t);
  const sha = await remote.commit({ 'index.html': 'hello\n', 'sub/a.txt': 'a\n' });
  const result = await engine.sync(signal());
  assert.deepEqual(result, { sha, changed: true, repaired: false });

  const target = await fs.readlink(path.join(root, 'current'));
  assert.equal(target, `.worktrees/${sha}`);
  assert.ok(!path.isAbsolute(target));
  assert.equal(path.basename(target), sha);
  assert.equal(await fs.readFile(path.join(root, 'current', 'index.html'), 'utf8'), 'hello\n');
  assert.equal(await fs.readFile(path.join(root, 'current', 'sub/a.txt'), 'utf8'), 'a\n');
  // The repository lives at <root>/.git; the tree only has git's one-line pointer file.
  assert.ok((await fs.stat(path.join(root, '.git'))).isDirectory());
  const dotGit = await fs.lstat(path.join(root, 'current', '.git'));
  assert.ok(dotGit.isFile(), 'no repository directory inside the published tree');

  const again = await engine.sync(signal());
  assert.deepEqual(again, { sha, changed: false, repaired: false });
});

test('HEAD, an annotated tag (peeled) and a full SHA resolve like git-sync', async (t) => {
  const { remote, root } = await setup(t);
  const first = await remote.commit({ 'v.txt': 'one\n' });
  await remote.git(['tag', '-a', '-m', 'release', 'v1']);
  await remote.git(['push', '--quiet', 'origin', 'v1']);
  const second = await remote.commit({ 'v.txt': 'two\n' });

  const cases: [string, string][] = [
    ['HEAD', second],
    ['v1', first],
    [first, first],
  ];
  for (const [ref, want] of cases) {
    const dir = path.join(root, ref.slice(0, 8));
    const engine = new SyncEngine({ repo: remote.url, root: dir, ref });
    const r = await engine.sync(signal());
    assert.equal(r.sha, want, `ref ${ref}`);
    assert.equal(path.basename(await fs.readlink(path.join(dir, 'current'))), want);
  }
});

test('retention keeps the live tree and the previous one; older trees go', async (t) => {
  const { remote, root, engine } = await setup(t);
  const shas: string[] = [];
  for (let i = 0; i < 4; i++) {
    shas.push(await remote.commit({ 'n.txt': `${i}\n` }));
    await engine.sync(signal());
  }
  assert.deepEqual(await listTrees(root), [shas[2], shas[3]].sort());
  const markers = (await fs.readdir(path.join(root, '.worktrees'))).filter((n) =>
    n.endsWith('.complete'),
  );
  assert.equal(markers.length, 2);
  // git's own registrations are pruned along with the trees.
  const registered = await remote.git(['--git-dir', path.join(root, '.git'), 'worktree', 'list']);
  assert.equal(registered.split('\n').filter((l) => l.includes('.worktrees')).length, 2);
});

test('staleAfterMs keeps superseded trees until they are old enough', async (t) => {
  let now = 1_000_000;
  const { remote, root, engine } = await setup(t, {
    keep: 1,
    staleAfterMs: 60_000,
    now: () => now,
  });
  const a = await remote.commit({ 'n.txt': 'a\n' });
  await engine.sync(signal());
  const b = await remote.commit({ 'n.txt': 'b\n' });
  await engine.sync(signal());
  assert.deepEqual(await listTrees(root), [a, b].sort());
  now += 61_000;
  await engine.sync(signal());
  assert.deepEqual(await listTrees(root), [b]);
});

test('a force-push is published on the next sync', async (t) => {
  const { remote, root, engine } = await setup(t);
  const base = await remote.commit({ 'f.txt': 'base\n' });
  await remote.commit({ 'f.txt': 'bad\n' });
  await engine.sync(signal());
  await remote.git(['reset', '--quiet', '--hard', base]);
  const rewritten = await remote.commit({ 'f.txt': 'rewritten\n' });
  const r = await engine.sync(signal());
  assert.equal(r.sha, rewritten);
  assert.equal(await fs.readFile(path.join(root, 'current', 'f.txt'), 'utf8'), 'rewritten\n');
});

test('a deleted ref keeps the last good tree and reports GIT_SYNC_REF_NOT_FOUND', async (t) => {
  const { remote, root, engine } = await setup(t, { ref: 'feature' });
  const sha = await remote.commit({ 'f.txt': 'feature\n' }, { branch: 'feature' });
  await engine.sync(signal());
  await remote.git(['push', '--quiet', 'origin', '--delete', 'feature']);
  await assert.rejects(engine.sync(signal()), (err) =>
    isPodkitError(err, 'GIT_SYNC_REF_NOT_FOUND'),
  );
  assert.equal(path.basename(await fs.readlink(path.join(root, 'current'))), sha);
  assert.equal(await fs.readFile(path.join(root, 'current', 'f.txt'), 'utf8'), 'feature\n');
});

test('the pre-publish hook gates the flip', async (t) => {
  let veto = false;
  const seen: string[] = [];
  const { remote, root, engine } = await setup(t, {
    prePublish: async ({ sha, path: tree }) => {
      seen.push(await fs.readFile(path.join(tree, 'f.txt'), 'utf8'));
      if (veto) throw new Error(`rejected ${sha}`);
    },
  });
  const good = await remote.commit({ 'f.txt': 'good\n' });
  await engine.sync(signal());
  veto = true;
  await remote.commit({ 'f.txt': 'bad\n' });
  await assert.rejects(engine.sync(signal()), /rejected/);
  assert.deepEqual(seen, ['good\n', 'bad\n'], 'the hook sees the complete new tree');
  assert.equal(path.basename(await fs.readlink(path.join(root, 'current'))), good);
  veto = false;
  const next = await remote.commit({ 'f.txt': 'fixed\n' });
  assert.equal((await engine.sync(signal())).sha, next);
});

for (const damage of ['deleted', 'corrupted'] as const) {
  test(`a ${damage} pack file is repaired while the live tree keeps serving`, async (t) => {
    const { remote, root, engine, events } = await setup(t, { depth: 0 });
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`f${i}.txt`] = `file ${i}\n`; // > unpackLimit: a pack
    const first = await remote.commit(files);
    await engine.sync(signal());
    const packDir = path.join(root, '.git', 'objects', 'pack');
    const packs = (await fs.readdir(packDir)).filter((n) => n.endsWith('.pack'));
    assert.ok(packs.length > 0, 'the first fetch stored a pack');
    for (const p of packs) {
      const file = path.join(packDir, p);
      if (damage === 'deleted') {
        await fs.rm(file);
      } else {
        // Keep the header and index valid so git trusts the objects, then fail to read them.
        const size = (await fs.stat(file)).size;
        const fh = await fs.open(file, 'r+');
        await fh.write(Buffer.alloc(size - 32, 0xff), 0, size - 32, 12);
        await fh.close();
      }
    }
    const liveIno = (await fs.stat(path.join(root, 'current', 'f1.txt'))).ino;

    const second = await remote.commit({ ...files, 'new.txt': 'new\n' });
    const r = await engine.sync(signal());
    assert.equal(r.sha, second);
    assert.equal(r.changed, true);
    if (damage === 'corrupted') {
      // git cannot heal this by itself: the engine must rebuild .git beside the live tree.
      assert.equal(r.repaired, true);
      assert.ok(events.some((e) => e.type === 'repairing'));
    }
    assert.equal(await fs.readFile(path.join(root, 'current', 'new.txt'), 'utf8'), 'new\n');
    assert.equal(await fs.readFile(path.join(root, 'current', 'f7.txt'), 'utf8'), 'file 7\n');
    // The tree that was live during the repair was never rewritten (same inode, still there).
    const old = path.join(root, '.worktrees', first, 'f1.txt');
    assert.equal((await fs.stat(old)).ino, liveIno);
    assert.equal(await fs.readFile(old, 'utf8'), 'file 1\n');
    // And the repository is healthy again: a further sync works without another repair.
    const third = await remote.commit({ ...files, 'new.txt': 'newer\n' });
    assert.deepEqual(await engine.sync(signal()), { sha: third, changed: true, repaired: false });
  });
}

const STEPS: SyncStep[] = [
  'recover',
  'ls-remote',
  'fetch',
  'worktree-add',
  'verify',
  'marker',
  'pre-publish',
  'link',
  'link-rename',
  'retention',
  'prune',
];

test('a failure injected at each step leaves the old tree live; the next sync converges', async (t) => {
  const remote = await makeRemote();
  t.after(() => remote.cleanup());
  for (const failAt of STEPS) {
    const { root, cleanup } = await tempRoot();
    try {
      const a = await remote.commit({ 'x.txt': `a-${failAt}\n` });
      await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(signal());
      const b = await remote.commit({ 'x.txt': `b-${failAt}\n` });
      const events: SyncEvent[] = [];
      const faulty = new SyncEngine({
        repo: remote.url,
        root,
        ref: 'main',
        prePublish: () => Promise.resolve(),
        // `git worktree prune` runs only when retention removed a tree.
        keep: failAt === 'prune' ? 1 : 2,
        onEvent: (e) => events.push(e),
        faults: (step) => {
          if (step === failAt) throw new Error(`injected at ${step}`);
        },
      });
      const cleanupStep = failAt === 'retention' || failAt === 'prune';
      if (cleanupStep) {
        // Cleanup failures are reported, never fatal: the new tree is already live.
        assert.equal((await faulty.sync(signal())).sha, b);
        assert.ok(
          events.some((e) => e.type === 'cleanup-failed'),
          failAt,
        );
      } else {
        await assert.rejects(faulty.sync(signal()), /injected/, failAt);
        const live = path.basename(await fs.readlink(path.join(root, 'current')));
        assert.equal(live, a, `after a failure at ${failAt} the old tree stays live`);
        assert.equal(
          await fs.readFile(path.join(root, 'current', 'x.txt'), 'utf8'),
          `a-${failAt}\n`,
        );
      }
      const fresh = new SyncEngine({ repo: remote.url, root, ref: 'main' });
      assert.equal((await fresh.sync(signal())).sha, b, failAt);
      assert.equal(await fs.readFile(path.join(root, 'current', 'x.txt'), 'utf8'), `b-${failAt}\n`);
      const leftovers = (await fs.readdir(root)).filter((n) => n.includes('.tmp-'));
      assert.deepEqual(leftovers, [], failAt);
    } finally {
      await cleanup();
    }
  }
});

test('a credential in the repo URL never reaches argv, errors or events', async (t) => {
  const { root, cleanup } = await tempRoot();
  t.after(cleanup);
  const secret = 'pa55-w0rd-XYZ';
  const argv: string[] = [];
  const engine = new SyncEngine({
    // Port 9 on loopback: connection refused, quickly.
    repo: `https://alice:${secret}@127.0.0.1:9/site.git`,
    root,
    onGitSpawn: (args) => argv.push(...args),
  });
  const err = await engine.sync(signal()).then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(isPodkitError(err, 'GIT_SYNC_GIT_FAILED'));
  const shown = JSON.stringify({ message: err.message, err });
  assert.ok(!shown.includes(secret), shown);
  assert.ok(argv.length > 0);
  assert.ok(!argv.some((a) => a.includes(secret)), 'the secret is never in argv');
  assert.ok(
    argv.every((a) => !a.includes('127.0.0.1:9')),
    'the URL travels in the environment',
  );
});
