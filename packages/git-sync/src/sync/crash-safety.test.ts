import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRemote, tempRoot } from '../../test/helpers/git-remote.js';
import { SyncEngine, type SyncStep } from './engine.js';
import { isFullSha } from './layout.js';

const CHILD = fileURLToPath(new URL('../../test/crash-child.ts', import.meta.url));
const RANDOM_RUNS = Number(process.env['PODKIT_GS_CRASH_RUNS'] ?? 12);
const FILES = 40;
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

function generation(gen: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) files[`f${i}.txt`] = `gen-${gen}\n`;
  return files;
}

/** SIGKILLs every process whose environment carries `tag`: the git children of a dead engine. */
async function killTagged(tag: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let found = 0;
    for (const pid of await fs.readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const environ = await fs.readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
      if (environ.split('\0').includes(`GS_TAG=${tag}`)) {
        found++;
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (found === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the child until it announces `killAt` (or READY + delay), then kills it like a crash. */
async function runAndKill(
  env: Record<string, string>,
  killAt: SyncStep | undefined,
  delayMs: number,
): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=podkit-source', '--import', 'tsx', CHILD], {
    env: { ...process.env, ...env, ...(killAt === undefined ? {} : { GS_KILL_AT: killAt }) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      resolve();
    }),
  );
  const ready = new Promise<string>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAt !== undefined && out.includes(`AT ${killAt}`)) resolve(`at ${killAt}`);
      if (killAt === undefined && out.includes('READY') && timer === undefined) {
        timer = setTimeout(() => {
          resolve(`after ${delayMs} ms`);
        }, delayMs);
      }
      if (out.includes('DONE')) resolve('after it finished');
    });
    child.on('close', () => {
      resolve(`exited early: ${err}`);
    });
  });
  const when = await ready;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already exited
  }
  await killTagged(env['GS_TAG']!);
  await exited;
  return when;
}

/** The invariant a consumer relies on: the link names a complete tree of one revision. */
async function assertServable(
  root: string,
  genOf: Map<string, number>,
  context: string,
): Promise<string> {
  const link = path.join(root, 'current');
  const target = await fs.readlink(link);
  const sha = path.basename(target);
  assert.ok(isFullSha(sha) && target === `.worktrees/${sha}`, `${context}: link ${target}`);
  await fs.access(path.join(root, '.worktrees', `.${sha}.complete`));
  const want = `gen-${genOf.get(sha) ?? -1}\n`;
  for (const name of Object.keys(generation(0))) {
    assert.equal(await fs.readFile(path.join(link, name), 'utf8'), want, `${context}: ${name}`);
  }
  return sha;
}

test('SIGKILL at every step and at random points: the link always names a complete tree, the next sync converges', async (t) => {
  const remote = await makeRemote();
  const { root, cleanup } = await tempRoot();
  t.after(async () => {
    await remote.cleanup();
    await cleanup();
  });
  const genOf = new Map<string, number>();
  let gen = 0;
  genOf.set(await remote.commit(generation(gen)), gen);
  await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(AbortSignal.timeout(60_000));

  const plan: { killAt: SyncStep | undefined; delayMs: number }[] = [
    ...STEPS.map((killAt) => ({ killAt, delayMs: 0 })),
    ...Array.from({ length: RANDOM_RUNS }, () => ({
      killAt: undefined,
      delayMs: Math.floor(Math.random() * 600),
    })),
  ];
  const outcomes: string[] = [];
  for (const [i, { killAt, delayMs }] of plan.entries()) {
    gen++;
    const head = await remote.commit(generation(gen));
    genOf.set(head, gen);
    const when = await runAndKill(
      { GS_ROOT: root, GS_REPO: remote.url, GS_TAG: `gs-crash-${process.pid}-${i}` },
      killAt,
      delayMs,
    );
    outcomes.push(when);
    assert.ok(!when.startsWith('exited early'), when);
    await assertServable(root, genOf, `run ${i} killed ${when}`);

    // Restart: recovery, then convergence on the remote head.
    const result = await new SyncEngine({ repo: remote.url, root, ref: 'main' }).sync(
      AbortSignal.timeout(60_000),
    );
    assert.equal(result.sha, head, `run ${i} (${when}) converges`);
    assert.equal(await assertServable(root, genOf, `run ${i} after restart`), head);
    const rootNames = await fs.readdir(root);
    assert.deepEqual(
      rootNames.filter((n) => n.includes('.tmp-') || /^\.git-(new|old)-/.test(n)),
      [],
    );
    const names = await fs.readdir(path.join(root, '.worktrees'));
    for (const n of names.filter(isFullSha)) {
      assert.ok(names.includes(`.${n}.complete`), `run ${i}: tree ${n} without marker`);
    }
    assert.ok(names.filter(isFullSha).length <= 2, `run ${i}: retention keeps 2`);
  }
  t.diagnostic(`kill points: ${outcomes.join(', ')}`);
});
