import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeRemote, tempRoot, type TestRemote } from '../../test/helpers/git-remote.js';
import { SyncEngine } from './engine.js';

const exists = (p: string): Promise<boolean> =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** main → sub → leaf, each a submodule of the previous (file:// URLs). */
async function nestedRemotes(): Promise<{ main: TestRemote; all: TestRemote[] }> {
  const leaf = await makeRemote();
  const sub = await makeRemote();
  const main = await makeRemote();
  await leaf.commit({ 'leaf.txt': 'leaf\n' });
  await sub.commit({ 'sub.txt': 'sub\n' });
  const allow = ['-c', 'protocol.file.allow=always'];
  const addSubmodule = async (parent: TestRemote, child: TestRemote, name: string) => {
    const work = path.join(parent.dir, 'work');
    await parent.git([...allow, 'submodule', 'add', '--quiet', child.url, name], work);
    await parent.git(['commit', '--quiet', '-m', `add ${name}`], work);
    await parent.git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], work);
  };
  await addSubmodule(sub, leaf, 'leaf');
  await main.commit({ 'index.html': 'main\n' });
  await addSubmodule(main, sub, 'sub');
  return { main, all: [leaf, sub, main] };
}

for (const mode of ['recursive', 'shallow', 'off'] as const) {
  test(`submodules ${mode}`, async (t) => {
    const { main, all } = await nestedRemotes();
    const { root, cleanup } = await tempRoot();
    t.after(async () => {
      for (const r of all) await r.cleanup();
      await cleanup();
    });
    const engine = new SyncEngine({
      repo: main.url,
      root,
      submodules: mode,
      depth: 0,
      // git >= 2.38.1 refuses file:// submodules unless told otherwise (CVE-2022-39253).
      gitConfig: { 'protocol.file.allow': 'always' },
    });
    await engine.sync(AbortSignal.timeout(60_000));
    const live = path.join(root, 'current');
    assert.equal(await fs.readFile(path.join(live, 'index.html'), 'utf8'), 'main\n');
    assert.equal(await exists(path.join(live, 'sub', 'sub.txt')), mode !== 'off');
    assert.equal(await exists(path.join(live, 'sub', 'leaf', 'leaf.txt')), mode === 'recursive');
  });
}

test('sparse checkout: only the patterns of the file, re-read for each new revision', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const patterns = path.join(remote.dir, 'sparse');
  await fs.writeFile(patterns, '/site/\n/index.html\n');
  await remote.commit({ 'index.html': 'i\n', 'site/a.css': 'a\n', 'docs/big.md': 'b\n' });
  const engine = new SyncEngine({ repo: remote.url, root, sparseCheckoutFile: patterns });
  const first = await engine.sync(AbortSignal.timeout(60_000));
  const live = path.join(root, 'current');
  assert.ok(await exists(path.join(live, 'index.html')));
  assert.ok(await exists(path.join(live, 'site', 'a.css')));
  assert.ok(!(await exists(path.join(live, 'docs'))));

  await fs.writeFile(patterns, '/docs/\n');
  const second = await remote.commit({
    'index.html': 'j\n',
    'site/a.css': 'a\n',
    'docs/big.md': 'c\n',
  });
  const r = await engine.sync(AbortSignal.timeout(60_000));
  assert.equal(r.sha, second);
  assert.notEqual(r.sha, first.sha);
  assert.equal(await fs.readFile(path.join(live, 'docs', 'big.md'), 'utf8'), 'c\n');
  assert.ok(!(await exists(path.join(live, 'index.html'))));
});
