import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { SyncLoop } from '../loop/sync-loop.js';
import { SyncEngine } from './engine.js';

const FILES = 200;
const COMMITS = Number(process.env['PODKIT_GS_TORN_COMMITS'] ?? 30);

function generation(gen: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`d${i % 10}/f${i}.txt`] = `gen-${gen}\n`;
  return files;
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000; // a bound against hanging, not a timing assertion
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('readers never see a mixed tree, a missing file or a dangling link while commits stream in', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    await remote.cleanup();
    await cleanup();
  });
  const genOf = new Map<string, number>();
  genOf.set(await remote.commit(generation(0)), 0);

  // Retention by time protects a slow reader holding a resolved path across several flips;
  // keep-N alone protects it across one flip only.
  const engine = new SyncEngine({ repo: remote.url, root, ref: 'main', staleAfterMs: 30_000 });
  const loop = new SyncLoop({ periodMs: 5, sync: (s) => engine.sync(s) });
  const looping = loop.run(stop.signal);
  const link = path.join(root, 'current');
  await until(() => loop.status().sha !== undefined, 'the first sync');

  let done = false;
  const isDone = (): boolean => done; // read through a call: set while the loops await
  const stats = { reads: 0, mixed: 0, enoent: 0, wrongSha: 0, dangling: 0, polls: 0 };
  const seen = new Set<string>();
  const reader = (async () => {
    while (!isDone()) {
      const tree = await fs.realpath(link); // resolve once, like a web server per request
      const sha = path.basename(tree);
      const contents = await Promise.all(
        Object.keys(generation(0)).map((name) =>
          fs.readFile(path.join(tree, name), 'utf8').catch((err: unknown) => {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') stats.enoent++;
            return 'ERROR';
          }),
        ),
      );
      const distinct = new Set(contents);
      if (distinct.size !== 1) stats.mixed++;
      // Every file must belong to the SHA the link named.
      if (contents[0] !== `gen-${genOf.get(sha) ?? -1}\n`) stats.wrongSha++;
      seen.add(sha);
      stats.reads++;
    }
  })();
  const poller = (async () => {
    while (!isDone()) {
      await fs.stat(link).catch(() => {
        stats.dangling++;
      });
      stats.polls++;
      await new Promise((r) => setImmediate(r));
    }
  })();

  let last = '';
  for (let gen = 1; gen <= COMMITS; gen++) {
    // Record the SHA before readers can meet it: commit() returns after the push.
    const files = generation(gen);
    last = await remote.commit(files, { message: `gen ${gen}` });
    genOf.set(last, gen);
  }
  await until(() => loop.status().sha === last, 'the last commit to be published');
  done = true;
  await Promise.all([reader, poller]);
  stop.abort();
  await looping;

  assert.deepEqual(
    {
      mixed: stats.mixed,
      enoent: stats.enoent,
      wrongSha: stats.wrongSha,
      dangling: stats.dangling,
    },
    { mixed: 0, enoent: 0, wrongSha: 0, dangling: 0 },
  );
  assert.ok(stats.reads > 0 && stats.polls > 0);
  assert.ok(seen.size > 1, `readers saw ${seen.size} revisions`);
  assert.equal(path.basename(await fs.readlink(link)), last);
  assert.equal(loop.status().consecutiveFailures, 0);
  t.diagnostic(`reads=${stats.reads} polls=${stats.polls} revisions seen=${seen.size}`);
});
