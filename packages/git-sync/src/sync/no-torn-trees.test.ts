import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { startNginx } from '../../test/helpers/nginx.js';
import { SyncLoop } from '../loop/sync-loop.js';
import { SyncEngine } from './engine.js';

const READER = fileURLToPath(new URL('../../test/torn-reader.ts', import.meta.url));
const FILES = 200;
const PUSHES = Number(process.env['PODKIT_GS_TORN_COMMITS'] ?? 100);
const PERIOD_MS = 100;

/** Generation `gen` of the site: 200 small files and one 64 KiB page, all naming `gen`. */
function generation(gen: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`d${i % 10}/f${i}.txt`] = `gen-${gen}\n`;
  // Big enough to take several reads: a torn or half-written body would show two generations.
  files['page.html'] = `<p>gen-${gen}</p>\n`.repeat(Math.ceil(65536 / 16));
  return files;
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000; // a bound against hanging, not a timing assertion
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface ReaderStats {
  reads: number;
  mixed: number;
  enoent: number;
  wrongSha: number;
  dangling: number;
  polls: number;
  revisionsRead: number;
  responses: number;
  httpBad: string[];
  httpForeign: number;
  revisionsServed: number;
}

test('100 pushes synced at a 100 ms period under a file reader, a stat poll and nginx: never a torn tree, a missing file, a dangling link or a non-200', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  await fs.chmod(root, 0o755); // nginx workers run as nobody
  const stop = new AbortController();
  const own: {
    looping?: Promise<void>;
    nginx?: Awaited<ReturnType<typeof startNginx>>;
    reader?: ReturnType<typeof spawn>;
  } = {};
  t.after(async () => {
    own.reader?.kill('SIGKILL');
    stop.abort();
    await own.looping?.catch(() => undefined);
    await own.nginx?.stop();
    await remote.cleanup();
    await cleanup();
  });

  // All generations built up front in one fast-import and pushed once; each "push" below
  // then moves the remote branch to the next commit (git update-ref in the remote: what a
  // push does to it, without the CPU of a pack negotiation per commit).
  const trees = Array.from({ length: PUSHES + 1 }, (_, gen) => generation(gen));
  const shas = await remote.build(trees);
  await remote.git(['push', '--quiet', 'origin', 'refs/podkit-test/build:refs/podkit-test/build']);
  const push = (sha: string): Promise<string> =>
    remote.git(['update-ref', 'refs/heads/main', sha], remote.bare);
  await push(shas[0]!);

  // Retention by time protects a slow reader holding a resolved path across several flips;
  // keep-N alone protects it across one flip only.
  let published = 0;
  let checkingOut = (): void => undefined;
  const engine = new SyncEngine({
    repo: remote.url,
    root,
    ref: 'main',
    staleAfterMs: 30_000,
    onEvent: (e) => {
      if (e.type === 'published') published++;
    },
    // Observes (never alters) the sync: past the fetch, its revision is fixed.
    faults: (step) => {
      if (step === 'worktree-add') checkingOut();
    },
  });
  const loop = new SyncLoop({ periodMs: PERIOD_MS, sync: (s) => engine.sync(s) });
  own.looping = loop.run(stop.signal);
  const link = path.join(root, 'current');
  await until(() => loop.status().sha === shas[0], 'the first sync');
  const nginx = await startNginx(link);
  own.nginx = nginx;

  // The consumers run in their own process, as a web server would.
  const bodies: Record<string, number> = {};
  for (const [gen, files] of trees.entries()) {
    bodies[files['page.html']!] = gen;
    bodies[files['d0/f0.txt']!] = gen;
  }
  const planFile = path.join(remote.dir, 'reader-plan.json');
  await fs.writeFile(
    planFile,
    JSON.stringify({
      link,
      files: Object.keys(trees[0]!).filter((n) => n.endsWith('.txt')),
      genOf: Object.fromEntries(shas.map((sha, gen) => [sha, gen])),
      bodies,
      url: nginx.url,
      httpPaths: ['page.html', 'd0/f0.txt'],
    }),
  );
  const child = spawn(
    process.execPath,
    ['--conditions=podkit-source', '--import', 'tsx', READER, planFile],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  own.reader = child;
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => {
    child.on('close', () => {
      resolve();
    });
  });
  await until(() => out.includes('READY') || child.exitCode !== null, 'the reader to start');
  assert.ok(out.includes('READY'), `reader failed: ${err}`);

  // Every push is published (100 flips under the readers): the next push lands once the sync
  // of the previous one has fetched it and is checking it out, so pushes and checkouts overlap.
  const started = performance.now();
  for (let gen = 1; gen <= PUSHES; gen++) {
    const fetched = new Promise<void>((resolve) => (checkingOut = resolve));
    await push(shas[gen]!);
    await fetched;
  }
  await until(() => loop.status().sha === shas[PUSHES], 'the last push to be published');
  const perPushMs = (performance.now() - started) / PUSHES;
  child.stdin.end();
  await exited;
  const line = out.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line !== undefined, `reader printed no result: ${err}`);
  const stats = JSON.parse(line) as ReaderStats;

  assert.deepEqual(
    {
      mixed: stats.mixed,
      enoent: stats.enoent,
      wrongSha: stats.wrongSha,
      dangling: stats.dangling,
      httpBad: stats.httpBad,
      httpForeign: stats.httpForeign,
    },
    { mixed: 0, enoent: 0, wrongSha: 0, dangling: 0, httpBad: [], httpForeign: 0 },
  );
  assert.equal(published, PUSHES + 1, 'every push published (plus the first)');
  assert.ok(stats.reads > 0 && stats.polls > 0 && stats.responses > 0);
  assert.ok(stats.revisionsRead > 1, `the file reader saw ${stats.revisionsRead} revisions`);
  assert.ok(stats.revisionsServed > 1, `nginx served ${stats.revisionsServed} revisions`);
  assert.equal(path.basename(await fs.readlink(link)), shas[PUSHES]);
  assert.equal(loop.status().consecutiveFailures, 0);
  t.diagnostic(
    `pushes=${PUSHES} tree reads=${stats.reads} link polls=${stats.polls} revisions read=${stats.revisionsRead} ` +
      `http responses=${stats.responses} revisions served=${stats.revisionsServed} ` +
      `ms per push=${Math.round(perPushMs)} cpu ms: reader ${(stats as unknown as { cpuMs: number }).cpuMs}, test ${Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000)}`,
  );
});
